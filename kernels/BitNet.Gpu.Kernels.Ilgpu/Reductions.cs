using ILGPU;

namespace BitNet.Gpu.Kernels.Ilgpu;

/// <summary>
/// Sums and maxima across a row team or a whole group through shared memory: each thread posts its value, one
/// barrier, then the values are added up in order (a shared-memory broadcast read on a GPU). Two barriers per call,
/// no warp shuffles (ILGPU's OpenCL backend cannot generate them). Every thread of the group must call them.
/// </summary>
static class Reductions
{
    /// <summary>Σ value over each team of RowTeam consecutive threads; the team's first thread gets the total.</summary>
    public static float TeamSum(float value)
    {
        var scratch = SharedMemory.Allocate<float>(KernelShapes.GroupSize);
        int tid = Group.IdxX;
        scratch[tid] = value;
        Group.Barrier();
        float total = 0f;
        if (tid % KernelShapes.RowTeam == 0)
            for (int i = 0; i < KernelShapes.RowTeam; i++) total += scratch[tid + i];
        Group.Barrier();   // the scratch may be reused by the next reduction
        return total;
    }

    /// <summary>Σ value over the group, returned to every thread.</summary>
    public static float GroupSum(float value)
    {
        var scratch = SharedMemory.Allocate<float>(KernelShapes.GroupSize);
        scratch[Group.IdxX] = value;
        Group.Barrier();
        float total = 0f;
        for (int i = 0; i < KernelShapes.GroupSize; i++) total += scratch[i];
        Group.Barrier();
        return total;
    }

    /// <summary>max value over the group, returned to every thread.</summary>
    public static float GroupMax(float value)
    {
        var scratch = SharedMemory.Allocate<float>(KernelShapes.GroupSize);
        scratch[Group.IdxX] = value;
        Group.Barrier();
        float max = scratch[0];
        for (int i = 1; i < KernelShapes.GroupSize; i++) max = IntrinsicMath.Max(max, scratch[i]);
        Group.Barrier();
        return max;
    }
}
