using System.Diagnostics.CodeAnalysis;
using BitNet.Gpu.Kernels.Ilgpu;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using BitNet.Gpu.Backends.Ilgpu.StepGraphs;

namespace BitNet.Gpu.Backends.Ilgpu;

/// <summary>Every kernel, compiled once for one accelerator when the backend starts; launches take the stream first.</summary>
sealed class IlgpuKernelSet
{
    public Action<AcceleratorStream, KernelConfig, ArrayView<Int4>, ArrayView<float>, ArrayView<Int4>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, int, int> TernaryMatVec { get; private set; }
    public Action<AcceleratorStream, KernelConfig, ArrayView<Int4>, ArrayView<float>, ArrayView<Int4>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, int, int, int> TernaryMatMat { get; private set; }
    public Action<AcceleratorStream, KernelConfig, TernaryProduct, TernaryProduct, TernaryProduct, ArrayView<Int4>, ArrayView<int>, ArrayView<float>, int, int, int, int> TernaryMatVecs { get; private set; }
    public Action<AcceleratorStream, KernelConfig, TernaryProduct, TernaryProduct, TernaryProduct, ArrayView<Int4>, ArrayView<int>, ArrayView<float>, int, int, int, int, int> TernaryMatMats { get; private set; }
    public Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, int, int> QuantizeActivations { get; }
    public Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float> RmsNorm { get; }
    public Action<AcceleratorStream, KernelConfig, ArrayView<EightHalves>, ArrayView<FourFloats>, ArrayView<float>, int, int> HalfMatVec { get; private set; }
    public Action<AcceleratorStream, KernelConfig, HalfWeights, ArrayView<float>, ArrayView<float>, int, int> DenseMatVecHalf { get; private set; }
    public Action<AcceleratorStream, KernelConfig, FloatWeights, ArrayView<float>, ArrayView<float>, int, int> DenseMatVecFloat { get; private set; }
    public Action<AcceleratorStream, KernelConfig, ArrayView<SixteenCodes>, ArrayView<float>, ArrayView<SixteenCodes>, ArrayView<float>, ArrayView<float>, int, int> Q8MatVec { get; private set; }
    public Action<AcceleratorStream, KernelConfig, ArrayView<SixteenCodes>, ArrayView<float>, ArrayView<SixteenCodes>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int> Q8Screen { get; private set; }
    public Action<AcceleratorStream, KernelConfig, ArrayView<EightHalves>, ArrayView<FourFloats>, ArrayView<int>, ArrayView<float>, int, int, int, int> HalfMatVecRows { get; private set; }
    public Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<int>, int, int, int> TopSelect { get; }
    public Action<AcceleratorStream, Index1D, FloatWeights, ArrayView<int>, ArrayView<float>, ArrayView<float>, float> InputSlack { get; }
    public Action<AcceleratorStream, Index1D, HalfWeights, ArrayView<int>, ArrayView<float>> QuantizeHalfBlocks { get; }
    public Action<AcceleratorStream, Index1D, FloatWeights, ArrayView<int>, ArrayView<float>> QuantizeFloatBlocks { get; }
    public Action<AcceleratorStream, Index2D, HalfWeights, ArrayView<int>, ArrayView<float>, int> EmbedHalf { get; }
    public Action<AcceleratorStream, Index2D, FloatWeights, ArrayView<int>, ArrayView<float>, int> EmbedFloat { get; }
    public Action<AcceleratorStream, Index2D, ArrayView<float>, ArrayView<float>, ArrayView<int>, int, int, int, int> Rope { get; }
    public Action<AcceleratorStream, Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, TokenPlaces, long, int, int> StoreKeyValue { get; }
    public Action<AcceleratorStream, Index2D, ArrayView<float>, ArrayView<float>, ArrayView<ushort>, ArrayView<ushort>, TokenPlaces, long, int, int> StoreKeyValueHalf { get; }
    public Action<AcceleratorStream, KernelConfig, ArrayView<float>, FloatWeights, FloatWeights, ArrayView<float>, ArrayView<float>, ArrayView<float>, TokenPlaces, long, int, int, int, int, int> AttentionPartial { get; }
    public Action<AcceleratorStream, KernelConfig, ArrayView<float>, HalfWeights, HalfWeights, ArrayView<float>, ArrayView<float>, ArrayView<float>, TokenPlaces, long, int, int, int, int, int> AttentionPartialHalf { get; }
    public Action<AcceleratorStream, Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int> AttentionCombine { get; }
    public Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, int> GateActivation { get; }
    public Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>> ResidualAdd { get; }
    public Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, int, int, int, float> AddNormQuantize { get; }
    public Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, int, int, int, int, float> GateNormQuantize { get; }
    public Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, int, int, int, int, int, float> AttentionCombineNormQuantize { get; }
    public Action<AcceleratorStream, Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, FloatKeyValueRows, ArrayView<float>, TokenPlaces, long, int, int, int, int, int, int> RopeStore { get; }
    public Action<AcceleratorStream, Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, HalfKeyValueRows, ArrayView<float>, TokenPlaces, long, int, int, int, int, int, int> RopeStoreHalf { get; }

    /// <summary>Kernel launches queued through this set.</summary>
    public LaunchCounter Launches { get; } = new();

    /// <summary>True when the ternary kernels use dp4a (CUDA sm_61 and later).</summary>
    public bool UsesDp4a { get; }
    /// <summary>True when row sums use warp shuffles (warps of 32, not OpenCL); otherwise shared memory.</summary>
    public bool UsesWarpShuffles { get; }
    /// <summary>Threads per group of the norm kernels (RMS norm, activation quantization and the fused norm+quantize
    /// kernels): the widest power of two from GroupSize up to MaxNormGroupSize that the device runs for all of them.</summary>
    public int NormGroupSize { get; }
    /// <summary>True when F16 weights widen through ILGPU's Half (a conversion instruction on CUDA); OpenCL devices may
    /// lack fp16, so they (and the portable test set) widen with integer steps.</summary>
    public bool UsesHardwareHalf { get; }

    /// <param name="portableReductions">Use shared-memory row sums even where shuffles work (to test that path).</param>
    /// <param name="capture">Step graphs the launchers take part in, or null.</param>
    public IlgpuKernelSet(Accelerator accelerator, bool portableReductions = false, StepCapture? capture = null)
    {
        var loader = new IlgpuKernelLoader(accelerator, Launches, capture);
        UsesDp4a = SupportsDp4a(accelerator);
        UsesWarpShuffles = !portableReductions && accelerator.AcceleratorType != AcceleratorType.OpenCL && accelerator.WarpSize == KernelShapes.RowTeam;
        UsesHardwareHalf = !portableReductions && accelerator.AcceleratorType != AcceleratorType.OpenCL;
        switch (UsesDp4a, UsesWarpShuffles)
        {
            case (true, true): LoadRowKernels<CudaDot4, CudaDot16, WarpShuffleTeamSum>(loader); break;
            case (true, false): LoadRowKernels<CudaDot4, CudaDot16, SharedMemoryTeamSum>(loader); break;
            case (false, true): LoadRowKernels<PortableDot4, PortableDot16, WarpShuffleTeamSum>(loader); break;
            default: LoadRowKernels<PortableDot4, PortableDot16, SharedMemoryTeamSum>(loader); break;
        }
        QuantizeActivations = loader.Load<Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, int, int>>(GpuKernels.QuantizeActivations, out var quantizeActivationsKernel);
        InputSlack = loader.Load<Action<AcceleratorStream, Index1D, FloatWeights, ArrayView<int>, ArrayView<float>, ArrayView<float>, float>>(GpuKernels.InputSlack);
        QuantizeHalfBlocks = loader.Load<Action<AcceleratorStream, Index1D, HalfWeights, ArrayView<int>, ArrayView<float>>>(GpuKernels.QuantizeBlocks<HalfWeights>);
        QuantizeFloatBlocks = loader.Load<Action<AcceleratorStream, Index1D, FloatWeights, ArrayView<int>, ArrayView<float>>>(GpuKernels.QuantizeBlocks<FloatWeights>);
        RmsNorm = loader.Load<Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float>>(GpuKernels.RmsNorm, out var rmsNormKernel);
        EmbedHalf = loader.Load<Action<AcceleratorStream, Index2D, HalfWeights, ArrayView<int>, ArrayView<float>, int>>(GpuKernels.Embed<HalfWeights>);
        EmbedFloat = loader.Load<Action<AcceleratorStream, Index2D, FloatWeights, ArrayView<int>, ArrayView<float>, int>>(GpuKernels.Embed<FloatWeights>);
        Rope = loader.Load<Action<AcceleratorStream, Index2D, ArrayView<float>, ArrayView<float>, ArrayView<int>, int, int, int, int>>(GpuKernels.Rope);
        StoreKeyValue = loader.Load<Action<AcceleratorStream, Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, TokenPlaces, long, int, int>>(GpuKernels.StoreKeyValue);
        StoreKeyValueHalf = loader.Load<Action<AcceleratorStream, Index2D, ArrayView<float>, ArrayView<float>, ArrayView<ushort>, ArrayView<ushort>, TokenPlaces, long, int, int>>(GpuKernels.StoreKeyValueHalf);
        AttentionPartial = loader.Load<Action<AcceleratorStream, KernelConfig, ArrayView<float>, FloatWeights, FloatWeights, ArrayView<float>, ArrayView<float>, ArrayView<float>, TokenPlaces, long, int, int, int, int, int>>(GpuKernels.AttentionPartial<FloatWeights>);
        AttentionPartialHalf = loader.Load<Action<AcceleratorStream, KernelConfig, ArrayView<float>, HalfWeights, HalfWeights, ArrayView<float>, ArrayView<float>, ArrayView<float>, TokenPlaces, long, int, int, int, int, int>>(GpuKernels.AttentionPartial<HalfWeights>);
        AttentionCombine = loader.Load<Action<AcceleratorStream, Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>>(GpuKernels.AttentionCombine);
        GateActivation = loader.Load<Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, int>>(GpuKernels.GateActivation);
        ResidualAdd = loader.Load<Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>>>(GpuKernels.ResidualAdd);
        AddNormQuantize = loader.Load<Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, int, int, int, float>>(GpuKernels.AddNormQuantize, out var addNormQuantizeKernel);
        GateNormQuantize = loader.Load<Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, int, int, int, int, float>>(GpuKernels.GateNormQuantize, out var gateNormQuantizeKernel);
        AttentionCombineNormQuantize = loader.Load<Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, int, int, int, int, int, float>>(GpuKernels.AttentionCombineNormQuantize, out var attentionCombineNormQuantizeKernel);
        TopSelect = loader.Load<Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<int>, int, int, int>>(GpuKernels.TopSelect);
        RopeStore = loader.Load<Action<AcceleratorStream, Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, FloatKeyValueRows, ArrayView<float>, TokenPlaces, long, int, int, int, int, int, int>>(GpuKernels.RopeStore<FloatKeyValueRows>);
        RopeStoreHalf = loader.Load<Action<AcceleratorStream, Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, HalfKeyValueRows, ArrayView<float>, TokenPlaces, long, int, int, int, int, int, int>>(GpuKernels.RopeStore<HalfKeyValueRows>);
        NormGroupSize = WidestGroup(accelerator, [quantizeActivationsKernel, rmsNormKernel, addNormQuantizeKernel, gateNormQuantizeKernel, attentionCombineNormQuantizeKernel]);
    }

    /// <summary>The widest power of two from GroupSize up to MaxNormGroupSize (and the device's limit) in which the device
    /// runs every one of <paramref name="kernels"/>.</summary>
    static int WidestGroup(Accelerator accelerator, Kernel[] kernels)
    {
        int limit = Math.Min(KernelShapes.MaxNormGroupSize, accelerator.MaxNumThreadsPerGroup);
        int widest = KernelShapes.GroupSize;
        for (int size = 2 * widest; size <= limit && kernels.All(kernel => Runs(accelerator, kernel, size)); size *= 2)
            widest = size;
        return widest;
    }

    /// <summary>
    /// True when the device can run <paramref name="kernel"/> in groups of <paramref name="size"/> threads. CUDA's
    /// occupancy calculator counts the kernel's registers and shared memory; OpenCL reports the built kernel's own
    /// limit (CL_KERNEL_WORK_GROUP_SIZE), which its registers can hold below the device's.
    /// </summary>
    static bool Runs(Accelerator accelerator, Kernel kernel, int size)
    {
        try
        {
            return accelerator.AcceleratorType == AcceleratorType.OpenCL
                ? accelerator.EstimateGroupSize(kernel, 0, size, out _) >= size
                : accelerator.EstimateMaxActiveGroupsPerMultiprocessor(kernel, size, 0) >= 1;
        }
        catch (Exception)
        {
            return false;   // a driver that cannot answer keeps the narrower groups every device runs
        }
    }

    /// <summary>The kernels that reduce across a row team: the matrix products.</summary>
    [MemberNotNull(nameof(TernaryMatVec), nameof(TernaryMatMat), nameof(TernaryMatVecs), nameof(TernaryMatMats), nameof(HalfMatVec), nameof(DenseMatVecHalf), nameof(DenseMatVecFloat), nameof(Q8MatVec), nameof(Q8Screen), nameof(HalfMatVecRows))]
    void LoadRowKernels<TDot, TDot16, TSum>(IlgpuKernelLoader loader)
        where TDot : struct, IDotProduct4 where TDot16 : struct, IDotProduct16 where TSum : struct, ITeamReduction
    {
        TernaryMatVec = loader.Load<Action<AcceleratorStream, KernelConfig, ArrayView<Int4>, ArrayView<float>, ArrayView<Int4>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, int, int>>(GpuKernels.TernaryMatVec<TDot, TSum>);
        TernaryMatMat = loader.Load<Action<AcceleratorStream, KernelConfig, ArrayView<Int4>, ArrayView<float>, ArrayView<Int4>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, int, int, int>>(GpuKernels.TernaryMatMat<TDot, TSum>);
        TernaryMatVecs = loader.Load<Action<AcceleratorStream, KernelConfig, TernaryProduct, TernaryProduct, TernaryProduct, ArrayView<Int4>, ArrayView<int>, ArrayView<float>, int, int, int, int>>(GpuKernels.TernaryMatVecs<TDot, TSum>);
        TernaryMatMats = loader.Load<Action<AcceleratorStream, KernelConfig, TernaryProduct, TernaryProduct, TernaryProduct, ArrayView<Int4>, ArrayView<int>, ArrayView<float>, int, int, int, int, int>>(GpuKernels.TernaryMatMats<TDot, TSum>);
        HalfMatVec = UsesHardwareHalf
            ? loader.Load<Action<AcceleratorStream, KernelConfig, ArrayView<EightHalves>, ArrayView<FourFloats>, ArrayView<float>, int, int>>(GpuKernels.HalfMatVec<HardwareHalfConversion, TSum>)
            : loader.Load<Action<AcceleratorStream, KernelConfig, ArrayView<EightHalves>, ArrayView<FourFloats>, ArrayView<float>, int, int>>(GpuKernels.HalfMatVec<SoftwareHalfConversion, TSum>);
        HalfMatVecRows = UsesHardwareHalf
            ? loader.Load<Action<AcceleratorStream, KernelConfig, ArrayView<EightHalves>, ArrayView<FourFloats>, ArrayView<int>, ArrayView<float>, int, int, int, int>>(GpuKernels.HalfMatVecRows<HardwareHalfConversion, TSum>)
            : loader.Load<Action<AcceleratorStream, KernelConfig, ArrayView<EightHalves>, ArrayView<FourFloats>, ArrayView<int>, ArrayView<float>, int, int, int, int>>(GpuKernels.HalfMatVecRows<SoftwareHalfConversion, TSum>);
        DenseMatVecHalf = loader.Load<Action<AcceleratorStream, KernelConfig, HalfWeights, ArrayView<float>, ArrayView<float>, int, int>>(GpuKernels.DenseMatVec<HalfWeights, TSum>);
        DenseMatVecFloat = loader.Load<Action<AcceleratorStream, KernelConfig, FloatWeights, ArrayView<float>, ArrayView<float>, int, int>>(GpuKernels.DenseMatVec<FloatWeights, TSum>);
        Q8MatVec = loader.Load<Action<AcceleratorStream, KernelConfig, ArrayView<SixteenCodes>, ArrayView<float>, ArrayView<SixteenCodes>, ArrayView<float>, ArrayView<float>, int, int>>(GpuKernels.Q8MatVec<TDot16, TSum>);
        Q8Screen = loader.Load<Action<AcceleratorStream, KernelConfig, ArrayView<SixteenCodes>, ArrayView<float>, ArrayView<SixteenCodes>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>>(GpuKernels.Q8Screen<TDot16, TSum>);
    }

    static bool SupportsDp4a(Accelerator accelerator) =>
        accelerator is CudaAccelerator cuda && cuda.Architecture is { } arch && (arch.Major > 6 || (arch.Major == 6 && arch.Minor >= 1));
}
