namespace BitNet.Gpu.Kernels.Cpu;

/// <summary>The shape checks of a matrix kept in k-quant super-blocks (<see cref="Q4KMatrix"/>, <see cref="Q6KMatrix"/>).</summary>
internal static class SuperBlockShape
{
    /// <summary>Throws unless rows and cols are positive, cols holds whole blocks, and there are exactly rows × cols / blockValues blocks.</summary>
    public static void Check(int blocksLength, int rows, int cols, int blockValues, int blockBytes, string format)
    {
        if (rows < 1 || cols < 1 || cols % blockValues != 0)
            throw new ArgumentException($"Shape {rows}×{cols} must be positive with cols a multiple of {blockValues}.", nameof(cols));
        long expected = (long)rows * (cols / blockValues) * blockBytes;
        if (blocksLength != expected) throw new ArgumentException($"Expected {expected} bytes of {format} blocks, got {blocksLength}.", "blocks");
    }
}
