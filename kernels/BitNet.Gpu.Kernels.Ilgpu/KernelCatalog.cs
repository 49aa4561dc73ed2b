using System.Reflection;
using ILGPU;

namespace BitNet.Gpu.Kernels.Ilgpu;

/// <summary>One kernel entry point as a backend compiles it: explicitly grouped kernels take no index parameter.</summary>
public sealed record KernelEntry(string Name, MethodInfo Method, bool ExplicitlyGrouped);

/// <summary>Every kernel with the instantiations the backends load, for offline code generation (OpenCL C, PTX).</summary>
public static class KernelCatalog
{
    /// <summary>The CUDA set (dp4a, warp shuffles) or the portable set (OpenCL: four multiply-adds, shared-memory sums).</summary>
    public static IReadOnlyList<KernelEntry> All(bool cuda) =>
    [
        Explicit("ternary_matvec", cuda
            ? (Action<ArrayView<Int4>, ArrayView<float>, ArrayView<Int4>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, int, int>)GpuKernels.TernaryMatVec<CudaDot4, WarpShuffleTeamSum>
            : GpuKernels.TernaryMatVec<PortableDot4, SharedMemoryTeamSum>),
        Explicit("ternary_matmat", cuda
            ? (Action<ArrayView<Int4>, ArrayView<float>, ArrayView<Int4>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, int, int, int>)GpuKernels.TernaryMatMat<CudaDot4, WarpShuffleTeamSum>
            : GpuKernels.TernaryMatMat<PortableDot4, SharedMemoryTeamSum>),
        Explicit("ternary_matvecs", cuda
            ? (Action<TernaryProduct, TernaryProduct, TernaryProduct, ArrayView<Int4>, ArrayView<int>, ArrayView<float>, int, int, int, int>)GpuKernels.TernaryMatVecs<CudaDot4, WarpShuffleTeamSum>
            : GpuKernels.TernaryMatVecs<PortableDot4, SharedMemoryTeamSum>),
        Explicit("ternary_matmats", cuda
            ? (Action<TernaryProduct, TernaryProduct, TernaryProduct, ArrayView<Int4>, ArrayView<int>, ArrayView<float>, int, int, int, int, int>)GpuKernels.TernaryMatMats<CudaDot4, WarpShuffleTeamSum>
            : GpuKernels.TernaryMatMats<PortableDot4, SharedMemoryTeamSum>),
        Explicit("quantize_activations", (Action<ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, int, int>)GpuKernels.QuantizeActivations),
        Explicit("rms_norm", (Action<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float>)GpuKernels.RmsNorm),
        Explicit("dense_matvec_f16", cuda
            ? (Action<ArrayView<EightHalves>, ArrayView<FourFloats>, ArrayView<float>, int, int>)GpuKernels.HalfMatVec<HardwareHalfConversion, WarpShuffleTeamSum>
            : GpuKernels.HalfMatVec<SoftwareHalfConversion, SharedMemoryTeamSum>),
        Explicit("dense_matvec_f16_any_width", cuda
            ? (Action<HalfWeights, ArrayView<float>, ArrayView<float>, int, int>)GpuKernels.DenseMatVec<HalfWeights, WarpShuffleTeamSum>
            : GpuKernels.DenseMatVec<HalfWeights, SharedMemoryTeamSum>),
        Explicit("q8_matvec", cuda
            ? (Action<ArrayView<SixteenCodes>, ArrayView<float>, ArrayView<SixteenCodes>, ArrayView<float>, ArrayView<float>, int, int>)GpuKernels.Q8MatVec<CudaDot16, WarpShuffleTeamSum>
            : GpuKernels.Q8MatVec<PortableDot16, SharedMemoryTeamSum>),
        Explicit("q8_screen", cuda
            ? (Action<ArrayView<SixteenCodes>, ArrayView<float>, ArrayView<SixteenCodes>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>)GpuKernels.Q8Screen<CudaDot16, WarpShuffleTeamSum>
            : GpuKernels.Q8Screen<PortableDot16, SharedMemoryTeamSum>),
        Explicit("dense_matvec_f16_rows", cuda
            ? (Action<ArrayView<EightHalves>, ArrayView<FourFloats>, ArrayView<int>, ArrayView<float>, int, int, int, int>)GpuKernels.HalfMatVecRows<HardwareHalfConversion, WarpShuffleTeamSum>
            : GpuKernels.HalfMatVecRows<SoftwareHalfConversion, SharedMemoryTeamSum>),
        Explicit("dense_matvec_f32", cuda
            ? (Action<FloatWeights, ArrayView<float>, ArrayView<float>, int, int>)GpuKernels.DenseMatVec<FloatWeights, WarpShuffleTeamSum>
            : GpuKernels.DenseMatVec<FloatWeights, SharedMemoryTeamSum>),
        Explicit("attention_partial", (Action<ArrayView<float>, FloatWeights, FloatWeights, ArrayView<float>, ArrayView<float>, ArrayView<float>, TokenPlaces, long, int, int, int, int, int>)GpuKernels.AttentionPartial<FloatWeights>),
        Explicit("attention_partial_f16", (Action<ArrayView<float>, HalfWeights, HalfWeights, ArrayView<float>, ArrayView<float>, ArrayView<float>, TokenPlaces, long, int, int, int, int, int>)GpuKernels.AttentionPartial<HalfWeights>),
        Implicit("embed_f16", (Action<Index2D, HalfWeights, ArrayView<int>, ArrayView<float>, int>)GpuKernels.Embed),
        Implicit("embed_f32", (Action<Index2D, FloatWeights, ArrayView<int>, ArrayView<float>, int>)GpuKernels.Embed),
        Implicit("quantize_blocks_f16", (Action<Index1D, HalfWeights, ArrayView<int>, ArrayView<float>>)GpuKernels.QuantizeBlocks),
        Implicit("quantize_blocks_f32", (Action<Index1D, FloatWeights, ArrayView<int>, ArrayView<float>>)GpuKernels.QuantizeBlocks),
        Implicit("input_slack", (Action<Index1D, FloatWeights, ArrayView<int>, ArrayView<float>, ArrayView<float>, float>)GpuKernels.InputSlack),
        Implicit("rope", (Action<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<int>, int, int, int, int>)GpuKernels.Rope),
        Implicit("store_key_value", (Action<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, TokenPlaces, long, int, int>)GpuKernels.StoreKeyValue),
        Implicit("store_key_value_f16", (Action<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<ushort>, ArrayView<ushort>, TokenPlaces, long, int, int>)GpuKernels.StoreKeyValueHalf),
        Implicit("attention_combine", (Action<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>)GpuKernels.AttentionCombine),
        Implicit("gate_activation", (Action<Index1D, ArrayView<float>, ArrayView<float>, int>)GpuKernels.GateActivation),
        Implicit("residual_add", (Action<Index1D, ArrayView<float>, ArrayView<float>>)GpuKernels.ResidualAdd),
        Explicit("add_norm_quantize", (Action<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, int, int, int, float>)GpuKernels.AddNormQuantize),
        Explicit("gate_norm_quantize", (Action<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, int, int, int, int, float>)GpuKernels.GateNormQuantize),
        Explicit("attention_combine_norm_quantize", (Action<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, int, int, int, int, int, float>)GpuKernels.AttentionCombineNormQuantize),
        Implicit("rope_store", (Action<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, FloatKeyValueRows, ArrayView<float>, TokenPlaces, long, int, int, int, int, int, int>)GpuKernels.RopeStore),
        Explicit("top_select", (Action<ArrayView<float>, ArrayView<int>, int, int, int>)GpuKernels.TopSelect),
        Implicit("rope_store_f16", (Action<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, HalfKeyValueRows, ArrayView<float>, TokenPlaces, long, int, int, int, int, int, int>)GpuKernels.RopeStore),
    ];

    static KernelEntry Explicit(string name, Delegate kernel) => new(name, kernel.Method, true);
    static KernelEntry Implicit(string name, Delegate kernel) => new(name, kernel.Method, false);
}
