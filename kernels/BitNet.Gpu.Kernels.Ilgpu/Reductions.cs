using ILGPU;

namespace BitNet.Gpu.Kernels.Ilgpu;

/// <summary>
/// Sums and maxima across a warp (register shuffles) or a whole group (a shared-memory tree, so it needs no
/// subgroup support on OpenCL). Every thread of the warp or group must call them.
/// </summary>
static class Reductions
{
    /// <summary>Σ value over the warp; lane 0 holds the total.</summary>
    public static float WarpSum(float value)
    {
        for (int offset = Warp.WarpSize / 2; offset > 0; offset /= 2)
            value += Warp.ShuffleDown(value, offset);
        return value;
    }

    /// <summary>Σ value over the group, returned to every thread.</summary>
    public static float GroupSum(float value)
    {
        var scratch = SharedMemory.Allocate<float>(KernelShapes.GroupSize);
        int tid = Group.IdxX;
        scratch[tid] = value;
        Group.Barrier();
        for (int half = KernelShapes.GroupSize / 2; half > 0; half /= 2)
        {
            if (tid < half) scratch[tid] += scratch[tid + half];
            Group.Barrier();
        }
        float total = scratch[0];
        Group.Barrier();
        return total;
    }

    /// <summary>max value over the group, returned to every thread.</summary>
    public static float GroupMax(float value)
    {
        var scratch = SharedMemory.Allocate<float>(KernelShapes.GroupSize);
        int tid = Group.IdxX;
        scratch[tid] = value;
        Group.Barrier();
        for (int half = KernelShapes.GroupSize / 2; half > 0; half /= 2)
        {
            if (tid < half) scratch[tid] = IntrinsicMath.Max(scratch[tid], scratch[tid + half]);
            Group.Barrier();
        }
        float max = scratch[0];
        Group.Barrier();
        return max;
    }
}
