using BitNet.Gpu.Model.Gguf;

namespace BitNet.Gpu.Tests.Support;

/// <summary>Copies of a GGUF file with one metadata value changed, as someone editing a downloaded model would make.</summary>
public static class GgufCopy
{
    /// <summary>Writes <paramref name="destination"/>: <paramref name="source"/> with the string <paramref name="key"/> set to <paramref name="value"/>.</summary>
    public static void WithString(string source, string destination, string key, string value)
    {
        using var file = GgufFile.Open(source);
        var writer = new GgufWriter { Alignment = file.Alignment };
        foreach (var (k, v) in file.Metadata.Entries) writer.Metadata.Set(k, v);
        writer.Add(key, value);
        foreach (var t in file.Tensors) writer.AddTensor(t.Name, t.Type, t.Dimensions, file.GetTensorBytes(t).ToArray());
        writer.Write(destination);
    }
}
