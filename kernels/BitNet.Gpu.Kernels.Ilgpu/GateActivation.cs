using ILGPU;
using ILGPU.Algorithms;

namespace BitNet.Gpu.Kernels.Ilgpu;

public static partial class GpuKernels
{
    /// <summary>Gate activations the feed-forward kernels know.</summary>
    public const int ReluSquared = 0, Silu = 1;

    // gate[i] = act(gate[i]) · up[i],  act = relu(x)² or x / (1 + e^−x)
    /// <summary>The gated feed-forward activation, in place over tokens × cols values.</summary>
    public static void GateActivation(Index1D i, ArrayView<float> gate, ArrayView<float> up, int activation)
    {
        gate[i] = Activate(gate[i], activation) * up[i];
    }

    /// <summary>act(x): relu(x)² or x / (1 + e^−x).</summary>
    static float Activate(float x, int activation)
    {
        float relu = IntrinsicMath.Max(x, 0f);
        return activation == ReluSquared ? relu * relu : x / (1f + XMath.Exp(-x));
    }
}
