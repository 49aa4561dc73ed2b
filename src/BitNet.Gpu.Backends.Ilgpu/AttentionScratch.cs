using ILGPU;
using ILGPU.Runtime;

namespace BitNet.Gpu.Backends.Ilgpu;

/// <summary>The per-split softmax partials of attention, grown on demand and reused across layers and steps.</summary>
sealed class AttentionScratch(DeviceMemory memory, AcceleratorStream stream) : IDisposable
{
    MemoryBuffer1D<float, Stride1D.Dense>? _output, _max, _sum;   // slots × headDim, slots, slots
    long _slots, _headDim;

    public (ArrayView<float> Output, ArrayView<float> Max, ArrayView<float> Sum) Get(long slots, int headDim)
    {
        if (_output is null || slots > _slots || headDim > _headDim)
        {
            stream.Synchronize();   // queued kernels may still use the old partials
            Dispose();
            _slots = Math.Max(slots, 2 * _slots);
            _headDim = Math.Max(headDim, _headDim);
            _output = memory.Allocate<float>(_slots * _headDim, "attention partials");
            _max = memory.Allocate<float>(_slots, "attention partial maxima");
            _sum = memory.Allocate<float>(_slots, "attention partial sums");
        }
        return (_output.View, _max!.View, _sum!.View);
    }

    public void Dispose()
    {
        memory.Free(_output);
        memory.Free(_max);
        memory.Free(_sum);
    }
}
