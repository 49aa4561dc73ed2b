using BitNet.Gpu.Kernels.Ilgpu;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace BitNet.Gpu.Backends.Ilgpu;

/// <summary>Every kernel, compiled once for one accelerator when the backend starts; launches take the stream first.</summary>
sealed class IlgpuKernelSet
{
    public Action<AcceleratorStream, KernelConfig, ArrayView<uint>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, int, int> TernaryMatVec { get; }
    public Action<AcceleratorStream, KernelConfig, ArrayView<uint>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, int, int, int> TernaryMatMat { get; }
    public Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, int> QuantizeActivations { get; }
    public Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float> RmsNorm { get; }
    public Action<AcceleratorStream, KernelConfig, HalfWeights, ArrayView<float>, ArrayView<float>, int, int> DenseMatVecHalf { get; }
    public Action<AcceleratorStream, KernelConfig, FloatWeights, ArrayView<float>, ArrayView<float>, int, int> DenseMatVecFloat { get; }
    public Action<AcceleratorStream, Index2D, HalfWeights, ArrayView<int>, ArrayView<float>, int> EmbedHalf { get; }
    public Action<AcceleratorStream, Index2D, FloatWeights, ArrayView<int>, ArrayView<float>, int> EmbedFloat { get; }
    public Action<AcceleratorStream, Index2D, ArrayView<float>, ArrayView<float>, int, int, int, int, int> Rope { get; }
    public Action<AcceleratorStream, Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, long, int, int> StoreKeyValue { get; }
    public Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, long, int, int, int, int, int> AttentionPartial { get; }
    public Action<AcceleratorStream, Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int> AttentionCombine { get; }
    public Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, int> GateActivation { get; }
    public Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>> ResidualAdd { get; }

    /// <summary>True when the ternary kernels use dp4a (CUDA sm_61 and later).</summary>
    public bool UsesDp4a { get; }

    public IlgpuKernelSet(Accelerator accelerator)
    {
        UsesDp4a = SupportsDp4a(accelerator);
        if (UsesDp4a)
        {
            TernaryMatVec = accelerator.LoadKernel<ArrayView<uint>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, int, int>(GpuKernels.TernaryMatVec<CudaDot4>);
            TernaryMatMat = accelerator.LoadKernel<ArrayView<uint>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, int, int, int>(GpuKernels.TernaryMatMat<CudaDot4>);
        }
        else
        {
            TernaryMatVec = accelerator.LoadKernel<ArrayView<uint>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, int, int>(GpuKernels.TernaryMatVec<PortableDot4>);
            TernaryMatMat = accelerator.LoadKernel<ArrayView<uint>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, int, int, int>(GpuKernels.TernaryMatMat<PortableDot4>);
        }
        QuantizeActivations = accelerator.LoadKernel<ArrayView<float>, ArrayView<int>, ArrayView<float>, int, int>(GpuKernels.QuantizeActivations);
        RmsNorm = accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float>(GpuKernels.RmsNorm);
        DenseMatVecHalf = accelerator.LoadKernel<HalfWeights, ArrayView<float>, ArrayView<float>, int, int>(GpuKernels.DenseMatVec);
        DenseMatVecFloat = accelerator.LoadKernel<FloatWeights, ArrayView<float>, ArrayView<float>, int, int>(GpuKernels.DenseMatVec);
        EmbedHalf = accelerator.LoadAutoGroupedKernel<Index2D, HalfWeights, ArrayView<int>, ArrayView<float>, int>(GpuKernels.Embed);
        EmbedFloat = accelerator.LoadAutoGroupedKernel<Index2D, FloatWeights, ArrayView<int>, ArrayView<float>, int>(GpuKernels.Embed);
        Rope = accelerator.LoadAutoGroupedKernel<Index2D, ArrayView<float>, ArrayView<float>, int, int, int, int, int>(GpuKernels.Rope);
        StoreKeyValue = accelerator.LoadAutoGroupedKernel<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, long, int, int>(GpuKernels.StoreKeyValue);
        AttentionPartial = accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, long, int, int, int, int, int>(GpuKernels.AttentionPartial);
        AttentionCombine = accelerator.LoadAutoGroupedKernel<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>(GpuKernels.AttentionCombine);
        GateActivation = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, int>(GpuKernels.GateActivation);
        ResidualAdd = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>>(GpuKernels.ResidualAdd);
    }

    static bool SupportsDp4a(Accelerator accelerator) =>
        accelerator is CudaAccelerator cuda && cuda.Architecture is { } arch && (arch.Major > 6 || (arch.Major == 6 && arch.Minor >= 1));
}
