using BitNet.Gpu.Backends.Ilgpu;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;

namespace BitNet.Gpu.Tests.Backends.Ilgpu;

/// <summary>Pinned staging memory on ILGPU's CPU accelerator: values go to the device and back through it as it grows,
/// and the host cannot touch it while a queued copy may still use it.</summary>
public sealed class PinnedStagingTests : IDisposable
{
    readonly Context _context = Context.Create(builder => builder.CPU());
    readonly Accelerator _accelerator;

    public PinnedStagingTests() => _accelerator = _context.CreateCPUAccelerator(0);

    public void Dispose()
    {
        _accelerator.Dispose();
        _context.Dispose();
    }

    [Fact]
    public void ValuesRoundTripAsTheStagingGrows()
    {
        using var up = new PinnedStaging<int>(_accelerator);
        using var down = new PinnedStaging<int>(_accelerator);
        using var device = _accelerator.Allocate1D<int>(1000);
        var stream = _accelerator.DefaultStream;
        foreach (int count in new[] { 3, 64, 65, 1000, 7 })
        {
            device.MemSet(stream, 0xFF);   // poison: -1 everywhere
            var values = Enumerable.Range(0, count).Select(i => i * 7 + count).ToArray();
            values.CopyTo(up.Span(count));
            up.CopyTo(stream, device.View.SubView(0, count));
            down.CopyFrom(stream, device.View.SubView(0, count));
            stream.Synchronize();
            up.StreamIdle();
            down.StreamIdle();
            Assert.Equal(values, down.Span(count).ToArray());
        }
    }

    [Fact]
    public void TheHostCannotTouchItWhileACopyMayBeQueued()
    {
        using var staging = new PinnedStaging<float>(_accelerator);
        using var device = _accelerator.Allocate1D<float>(16);
        staging.CopyTo(_accelerator.DefaultStream, device.View);
        Assert.True(staging.CopyInFlight);
        Assert.Throws<InvalidOperationException>(() => staging.Span(4));
        _accelerator.DefaultStream.Synchronize();
        staging.StreamIdle();
        Assert.Equal(4, staging.Span(4).Length);
    }
}
