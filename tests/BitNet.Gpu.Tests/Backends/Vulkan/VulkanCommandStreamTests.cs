using System.Runtime.InteropServices;
using BitNet.Gpu.Backends.Vulkan;

namespace BitNet.Gpu.Tests.Backends.Vulkan;

/// <summary>The command stream's submissions: two fences in turn (one reset while the device runs the other's work), and
/// host work handed to a read that runs between the submission and the wait.</summary>
public sealed class VulkanCommandStreamTests
{
    [VulkanFact]
    public void ManyReadsInARow_EachRunsItsOverlappedWorkOnce_WithFencesTheValidationLayerAccepts()
    {
        using var context = new VulkanContext(new VulkanBackendOptions { Validation = true, SynchronizationValidation = true });
        using var stream = new CommandStream(context);
        using var device = new GpuBuffer(context, 1024, hostVisible: false);
        for (int round = 0; round < 5; round++)   // more rounds than fences: each is reused after a reset
        {
            var written = Enumerable.Range(0, 256).Select(i => i * 7 + round).ToArray();
            stream.Upload(device, 0, MemoryMarshal.AsBytes(written.AsSpan()));
            var read = new int[256];
            int calls = 0;
            stream.Download(device, 0, MemoryMarshal.AsBytes(read.AsSpan()), whileDeviceRuns: () => calls++);
            Assert.Equal(1, calls);
            Assert.Equal(written, read);
        }
        Assert.Equal(10, stream.SubmitCount);   // an upload and a read per round, one submission each
    }

    [VulkanFact]
    public void FinishWithNothingQueued_StillRunsTheWork()
    {
        using var context = new VulkanContext(new VulkanBackendOptions { Validation = true });
        using var stream = new CommandStream(context);
        int calls = 0;
        stream.Finish(() => calls++);
        Assert.Equal((1, 0), (calls, stream.SubmitCount));
    }
}
