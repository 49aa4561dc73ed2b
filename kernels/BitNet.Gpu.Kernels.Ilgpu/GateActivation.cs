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
        float x = gate[i];
        float relu = IntrinsicMath.Max(x, 0f);
        float act = activation == ReluSquared ? relu * relu : x / (1f + XMath.Exp(-x));
        gate[i] = act * up[i];
    }
}
