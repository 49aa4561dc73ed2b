using BitNet.Gpu.Kernels.Ilgpu;
using ILGPU;
using ILGPU.Runtime;

namespace BitNet.Gpu.Backends.Ilgpu;

/// <summary>Values as <see cref="Q8Layout"/> blocks on the device: int8 codes four per int and one scale per block of 32.</summary>
sealed class Q8Matrix(DeviceMemory memory, long values, string name) : IDisposable
{
    /// <summary>How many values it holds (a multiple of the block size).</summary>
    public long Values { get; } = values;
    public MemoryBuffer1D<int, Stride1D.Dense> Codes { get; } = memory.Allocate<int>(Q8Layout.IntsFor(values), name + " (int8)");
    public MemoryBuffer1D<float, Stride1D.Dense> Scales { get; } = memory.Allocate<float>(Q8Layout.BlocksFor(values), name + " (int8 scales)");

    /// <summary>Bytes a full product reads: the codes and the scales.</summary>
    public long ByteSize => Codes.LengthInBytes + Scales.LengthInBytes;

    public void Dispose()
    {
        memory.Free(Codes);
        memory.Free(Scales);
    }
}

/// <summary>The int8 output layer's quantized input, grown on demand and reused across steps.</summary>
sealed class Q8Scratch(DeviceMemory memory, AcceleratorStream stream) : IDisposable
{
    Q8Matrix? _input;

    /// <summary>Room for at least <paramref name="values"/> values.</summary>
    public Q8Matrix Get(long values)
    {
        if (_input is null || values > _input.Values)
        {
            stream.Synchronize();   // queued kernels may still read the old one
            long size = Math.Max(values, 2 * (_input?.Values ?? 0));
            _input?.Dispose();
            _input = new Q8Matrix(memory, size, "output layer input");
        }
        return _input;
    }

    public void Dispose() => _input?.Dispose();
}
