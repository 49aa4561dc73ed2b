using ILGPU;

namespace BitNet.Gpu.Kernels.Ilgpu;

/// <summary>Σ over each team of RowTeam consecutive threads, the total landing on the team's first thread.
/// Every thread of the group must call it.</summary>
public interface ITeamReduction
{
    float TeamSum(float value);
}

/// <summary>Register shuffles within a warp (CUDA, ILGPU's CPU accelerator): needs warps of exactly RowTeam threads.</summary>
public struct WarpShuffleTeamSum : ITeamReduction
{
    public readonly float TeamSum(float value)
    {
        for (int offset = KernelShapes.RowTeam / 2; offset > 0; offset /= 2)
            value += Warp.ShuffleDown(value, offset);
        return value;
    }
}

/// <summary>Through shared memory with group barriers: any warp size, and OpenCL, where ILGPU cannot generate shuffles.</summary>
public struct SharedMemoryTeamSum : ITeamReduction
{
    public readonly float TeamSum(float value) => Reductions.FixedTeamSum(value);   // the products run groups of GroupSize
}
