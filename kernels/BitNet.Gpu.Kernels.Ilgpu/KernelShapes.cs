namespace BitNet.Gpu.Kernels.Ilgpu;

/// <summary>Launch shapes the kernels are written for; the backend launches with exactly these.</summary>
public static class KernelShapes
{
    /// <summary>Threads per group for the kernels that reduce over a row (norm, quantize, attention): a power of two.</summary>
    public const int GroupSize = 128;
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
