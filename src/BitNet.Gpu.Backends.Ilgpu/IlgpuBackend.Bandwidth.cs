using System.Diagnostics;
using BitNet.Gpu.Engine.Backends;
using ILGPU;
using ILGPU.Runtime;

namespace BitNet.Gpu.Backends.Ilgpu;

/// <summary>The roofline for `bench`: device-to-device copy bandwidth of a buffer much larger than the caches.</summary>
public sealed partial class IlgpuBackend
{
    public double MeasureReadBandwidth()
    {
        long count = Math.Min(64L << 20, _memory.BytesAvailable / 8 / 4);   // two buffers of up to 256 MiB of floats
        if (count < 1024) throw new DeviceOutOfMemoryException($"not enough free device memory on {_accelerator.Name} to measure bandwidth");
        var source = _memory.Allocate<float>(count, "bandwidth probe");
        var target = _memory.Allocate<float>(count, "bandwidth probe");
        try
        {
            source.View.CopyTo(_stream, target.View);   // warm-up
            _stream.Synchronize();
            const int repeats = 5;
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < repeats; i++) source.View.CopyTo(_stream, target.View);
            _stream.Synchronize();
            // a copy reads and writes every byte once; report the read rate, as the weights are only read
            return repeats * count * 4.0 / clock.Elapsed.TotalSeconds;
        }
        finally
        {
            _memory.Free(source);
            _memory.Free(target);
        }
    }
}
