using BitNet.Gpu.Model;
using BitNet.Gpu.Model.SafeTensors;

namespace BitNet.Gpu.Fuzz;

/// <summary>The input as a .safetensors file: opened (header length, JSON header, tensor table). Allowed: <see cref="ModelFormatException"/>.</summary>
static class SafeTensorsTarget
{
    public static void Run(byte[] input)
    {
        string path = ScratchFile.Write(input, ".safetensors");
        try
        {
            using var file = SafeTensorsFile.Open(path);
            foreach (var tensor in file.Tensors)
            {
                _ = tensor.ToString() + tensor.ElementCount + tensor.ShapeText;
                if (tensor.ByteSize > 0) _ = file.GetBytes(tensor, 0, (int)Math.Min(tensor.ByteSize, 16))[0];
            }
        }
        catch (ModelFormatException) { }
    }
}
