using ILGPU;

namespace BitNet.Gpu.Kernels.Ilgpu;

/// <summary>
/// Sums and maxima across a row team or a whole group through shared memory, no warp shuffles (ILGPU's OpenCL backend
/// cannot generate them). Every thread of the group must call them.
/// <para>
/// A group-wide reduction takes two stages: each of the first P = DimX / RowTeam threads combines RowTeam posted values
/// (P apart, so neighbouring threads read neighbouring banks), then every thread combines the P partials. The norm
/// kernels (norms, quantization) run groups of up to <see cref="KernelShapes.MaxNormGroupSize"/> threads and use
/// <see cref="GroupSum"/> / <see cref="GroupMax"/>; kernels launched with exactly GroupSize threads use the
/// <c>Fixed</c> forms, whose scratch is sized for that and leaves shared memory to the kernel's own tiles.
/// </para>
/// </summary>
static class Reductions
{
    /// <summary>Σ value over each team of RowTeam consecutive threads in a group of up to MaxNormGroupSize threads; the
    /// team's first thread gets the total.</summary>
    public static float TeamSum(float value) => TeamSum(value, SharedMemory.Allocate<float>(KernelShapes.MaxNormGroupSize));

    /// <summary><see cref="TeamSum(float)"/> in a group of exactly GroupSize threads.</summary>
    public static float FixedTeamSum(float value) => TeamSum(value, SharedMemory.Allocate<float>(KernelShapes.GroupSize));

    /// <summary>Σ value over a group of any multiple of RowTeam threads up to MaxNormGroupSize, returned to every thread.</summary>
    public static float GroupSum(float value) =>
        Sum(value, SharedMemory.Allocate<float>(KernelShapes.MaxNormGroupSize), SharedMemory.Allocate<float>(KernelShapes.RowTeam));

    /// <summary>max value over a group of any multiple of RowTeam threads up to MaxNormGroupSize, returned to every thread.</summary>
    public static float GroupMax(float value) =>
        Max(value, SharedMemory.Allocate<float>(KernelShapes.MaxNormGroupSize), SharedMemory.Allocate<float>(KernelShapes.RowTeam));

    /// <summary>Σ value over a group of exactly GroupSize threads, returned to every thread.</summary>
    public static float FixedGroupSum(float value) =>
        Sum(value, SharedMemory.Allocate<float>(KernelShapes.GroupSize), SharedMemory.Allocate<float>(KernelShapes.GroupSize / KernelShapes.RowTeam));

    /// <summary>max value over a group of exactly GroupSize threads, returned to every thread.</summary>
    public static float FixedGroupMax(float value) =>
        Max(value, SharedMemory.Allocate<float>(KernelShapes.GroupSize), SharedMemory.Allocate<float>(KernelShapes.GroupSize / KernelShapes.RowTeam));

    static float TeamSum(float value, ArrayView<float> scratch)
    {
        int tid = Group.IdxX;
        scratch[tid] = value;
        Group.Barrier();
        float total = 0f;
        if (tid % KernelShapes.RowTeam == 0)
            for (int i = 0; i < KernelShapes.RowTeam; i++) total += scratch[tid + i];
        Group.Barrier();   // the scratch may be reused by the next reduction
        return total;
    }

    // Σ_t value_t = Σ_{p < P} Σ_{i < RowTeam} value_{i·P + p},  P = DimX / RowTeam
    static float Sum(float value, ArrayView<float> posted, ArrayView<float> partials)
    {
        int tid = Group.IdxX, partialCount = Group.DimX / KernelShapes.RowTeam;
        posted[tid] = value;
        Group.Barrier();
        if (tid < partialCount)
        {
            float partial = 0f;
            for (int i = 0; i < KernelShapes.RowTeam; i++) partial += posted[i * partialCount + tid];
            partials[tid] = partial;
        }
        Group.Barrier();
        float total = 0f;
        for (int p = 0; p < partialCount; p++) total += partials[p];
        Group.Barrier();   // both arrays may be reused by the next reduction
        return total;
    }

    // max_t value_t, in the stages of Sum
    static float Max(float value, ArrayView<float> posted, ArrayView<float> partials)
    {
        int tid = Group.IdxX, partialCount = Group.DimX / KernelShapes.RowTeam;
        posted[tid] = value;
        Group.Barrier();
        if (tid < partialCount)
        {
            float partial = posted[tid];
            for (int i = 1; i < KernelShapes.RowTeam; i++) partial = IntrinsicMath.Max(partial, posted[i * partialCount + tid]);
            partials[tid] = partial;
        }
        Group.Barrier();
        float max = partials[0];
        for (int p = 1; p < partialCount; p++) max = IntrinsicMath.Max(max, partials[p]);
        Group.Barrier();
        return max;
    }
}
