using BitNet.Gpu.Engine.Backends;

namespace BitNet.Gpu.Backends.Vulkan;

/// <summary>
/// The int8 copy of an F16 matrix on the device: rows of int8 codes (four per uint) and one float scale per block of
/// <see cref="TopRowScreen.BlockSize"/> values, value ≈ scale · code, bound in chunks of whole rows (the F16 matrix's
/// rows of the same chunk fit one binding too, so one pass quantizes a chunk).
/// </summary>
internal sealed class Q8Matrix : IDisposable
{
    public required GpuBuffer Codes { get; init; }    // rows × cols bytes
    public required GpuBuffer Scales { get; init; }   // rows × cols / 32 floats
    public required int Cols { get; init; }
    public required IReadOnlyList<RowRange> Chunks { get; init; }

    /// <summary>Bytes a full product reads: the codes and the scales.</summary>
    public long ByteSize => Codes.Size + Scales.Size;

    /// <summary>Bytes of codes, and of scales, per row.</summary>
    public static (long Codes, long Scales) RowBytes(int cols) => (cols, cols / TopRowScreen.BlockSize * 4L);

    public BufferWindow CodesWindow(RowRange chunk) => Codes.Window(chunk.First * RowBytes(Cols).Codes, chunk.Count * RowBytes(Cols).Codes);

    public BufferWindow ScalesWindow(RowRange chunk) => Scales.Window(chunk.First * RowBytes(Cols).Scales, chunk.Count * RowBytes(Cols).Scales);

    public void Dispose()
    {
        Codes.Dispose();
        Scales.Dispose();
    }
}
