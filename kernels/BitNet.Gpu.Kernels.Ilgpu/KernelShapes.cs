namespace BitNet.Gpu.Kernels.Ilgpu;

/// <summary>Launch shapes the kernels are written for; the backend launches with exactly these.</summary>
public static class KernelShapes
{
    /// <summary>Threads per group for the matrix products and attention, and the fewest for the norm kernels: a power of two.</summary>
    public const int GroupSize = 128;
    /// <summary>
    /// The most threads per group of the norm kernels, which reduce one token's row per group (RMS norms and activation
    /// quantization, alone or fused): the backend launches them with the widest power of two from GroupSize up to this
    /// that the device runs, so a decode step's single row is spread over many warps. RowTeam × RowTeam: a group-wide
    /// sum is RowTeam partial sums of RowTeam values each.
    /// </summary>
    public const int MaxNormGroupSize = RowTeam * RowTeam;
    /// <summary>Threads that share one matrix row in the matrix-vector kernels (a warp on NVIDIA hardware).</summary>
    public const int RowTeam = 32;
    /// <summary>Rows handled by one group of GroupSize threads in the matrix-vector kernels.</summary>
    public const int RowsPerGroup = GroupSize / RowTeam;
    /// <summary>Tokens that share one read of a weight word in the ternary matrix-matrix kernel.</summary>
    public const int TokensPerTile = 4;
    /// <summary>Key positions scored together in shared memory by the attention kernel (one per thread).</summary>
    public const int AttentionTile = GroupSize;
    /// <summary>The largest head dimension the attention kernel accepts (two output dimensions per thread).</summary>
    public const int MaxHeadDim = 2 * GroupSize;
}
