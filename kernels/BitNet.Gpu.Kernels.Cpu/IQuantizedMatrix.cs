namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>
/// A dense matrix kept in a compact quantized layout (<see cref="Int8GroupMatrix"/> for Q8_0, <see cref="Q6KMatrix"/>,
/// <see cref="Q4KMatrix"/>): what an embedding lookup and an output projection need of it.
/// </summary>
public interface IQuantizedMatrix : IDisposable
{
    int Rows { get; }
    int Cols { get; }
    /// <summary>Bytes a full product reads.</summary>
    long ByteSize { get; }
    /// <summary>Row r as floats (an embedding lookup).</summary>
    void CopyRow(int row, Span<float> destination);
    /// <summary>y = W·x: cols inputs, rows outputs (overwritten).</summary>
    void Multiply(ReadOnlySpan<float> x, Span<float> y, KernelThreadPool pool);
}
