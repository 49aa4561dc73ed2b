using Silk.NET.Vulkan;
using VkBuffer = Silk.NET.Vulkan.Buffer;

namespace BitNet.Gpu.Backends.Vulkan;

/// <summary>
/// Records every operation into one command buffer, with a memory barrier between consecutive commands, and submits
/// it once when the host needs a result (<see cref="Finish"/>): one submit and one wait per step. Descriptor sets and
/// per-step host data (token ids, RoPE rotations) live until that wait, then their pools are reset.
/// </summary>
internal sealed unsafe class CommandStream : IDisposable
{
    const long StagingChunkBytes = 64L << 20;
    const int SetsPerPool = 256;
    static readonly ulong FenceTimeoutNanoseconds = (ulong)TimeSpan.FromMinutes(10).Ticks * 100;

    readonly VulkanContext _context;
    readonly CommandPool _pool;
    readonly CommandBuffer _commands;
    readonly Fence _fence;
    readonly List<DescriptorPool> _descriptorPools = [];
    readonly HostArena _arena;
    int _currentPool;
    bool _recording;
    GpuBuffer? _staging;

    Vk Vk => _context.Vk;

    /// <summary>Queue submissions so far (each is followed by one wait): a step should cost exactly one.</summary>
    public int SubmitCount { get; private set; }

    public CommandStream(VulkanContext context)
    {
        _context = context;
        var poolInfo = new CommandPoolCreateInfo { SType = StructureType.CommandPoolCreateInfo, QueueFamilyIndex = context.QueueFamily };
        VulkanException.Check(Vk.CreateCommandPool(context.Device, in poolInfo, null, out _pool), "vkCreateCommandPool");
        var allocate = new CommandBufferAllocateInfo
        {
            SType = StructureType.CommandBufferAllocateInfo, CommandPool = _pool, Level = CommandBufferLevel.Primary, CommandBufferCount = 1,
        };
        VulkanException.Check(Vk.AllocateCommandBuffers(context.Device, in allocate, out _commands), "vkAllocateCommandBuffers");
        var fenceInfo = new FenceCreateInfo { SType = StructureType.FenceCreateInfo };
        VulkanException.Check(Vk.CreateFence(context.Device, in fenceInfo, null, out _fence), "vkCreateFence");
        _arena = new HostArena(context);
    }

    /// <summary>Queues one dispatch of <paramref name="kernel"/> over the given bindings and push constants.</summary>
    public void Dispatch(Kernel kernel, ReadOnlySpan<BufferWindow> bindings, ReadOnlySpan<uint> push, uint groupsX, uint groupsY = 1, uint groupsZ = 1)
    {
        if (bindings.Length != kernel.BindingCount) throw new ArgumentException($"{kernel.Name} takes {kernel.BindingCount} bindings", nameof(bindings));
        if (push.Length * 4 != kernel.PushConstantBytes) throw new ArgumentException($"{kernel.Name} takes {kernel.PushConstantBytes / 4} push constants", nameof(push));
        if (groupsX == 0 || groupsY == 0 || groupsZ == 0) return;
        BeginIfNeeded();
        var set = AllocateSet(kernel);
        var infos = stackalloc DescriptorBufferInfo[bindings.Length];
        var writes = stackalloc WriteDescriptorSet[bindings.Length];
        for (int i = 0; i < bindings.Length; i++)
        {
            infos[i] = new DescriptorBufferInfo(bindings[i].Buffer, (ulong)bindings[i].Offset, (ulong)bindings[i].Range);
            writes[i] = new WriteDescriptorSet
            {
                SType = StructureType.WriteDescriptorSet, DstSet = set, DstBinding = (uint)i, DescriptorCount = 1,
                DescriptorType = DescriptorType.StorageBuffer, PBufferInfo = &infos[i],
            };
        }
        Vk.UpdateDescriptorSets(_context.Device, (uint)bindings.Length, writes, 0, null);
        Vk.CmdBindPipeline(_commands, PipelineBindPoint.Compute, kernel.Pipeline);
        Vk.CmdBindDescriptorSets(_commands, PipelineBindPoint.Compute, kernel.Layout, 0, 1, in set, 0, null);
        fixed (uint* constants = push)
            Vk.CmdPushConstants(_commands, kernel.Layout, ShaderStageFlags.ComputeBit, 0, kernel.PushConstantBytes, constants);
        Vk.CmdDispatch(_commands, groupsX, groupsY, groupsZ);
        Barrier();
    }

    /// <summary>Queues a copy of bytes between device buffers.</summary>
    public void Copy(VkBuffer source, long sourceOffset, VkBuffer destination, long destinationOffset, long bytes)
    {
        BeginIfNeeded();
        var region = new BufferCopy((ulong)sourceOffset, (ulong)destinationOffset, (ulong)bytes);
        Vk.CmdCopyBuffer(_commands, source, destination, 1, in region);
        Barrier();
    }

    /// <summary>Copies host bytes into a binding-sized window of host-visible memory that lives until the next wait.</summary>
    public BufferWindow HostData<T>(ReadOnlySpan<T> values) where T : unmanaged => _arena.Add(values);

    /// <summary>Submits everything queued, waits for it, and makes the pools ready for the next step.</summary>
    public void Finish()
    {
        if (_recording)
        {
            VulkanException.Check(Vk.EndCommandBuffer(_commands), "vkEndCommandBuffer");
            _recording = false;
            var commands = _commands;
            var submit = new SubmitInfo { SType = StructureType.SubmitInfo, CommandBufferCount = 1, PCommandBuffers = &commands };
            VulkanException.Check(Vk.QueueSubmit(_context.Queue, 1, in submit, _fence), "vkQueueSubmit");
            SubmitCount++;
            var fence = _fence;
            var waited = Vk.WaitForFences(_context.Device, 1, in fence, true, FenceTimeoutNanoseconds);
            if (waited == Result.Timeout) throw new VulkanException("the Vulkan device did not finish the queued work within 10 minutes");
            VulkanException.Check(waited, "vkWaitForFences");
            VulkanException.Check(Vk.ResetFences(_context.Device, 1, in fence), "vkResetFences");
            VulkanException.Check(Vk.ResetCommandPool(_context.Device, _pool, 0), "vkResetCommandPool");
            foreach (var pool in _descriptorPools) VulkanException.Check(Vk.ResetDescriptorPool(_context.Device, pool, 0), "vkResetDescriptorPool");
            _currentPool = 0;
            _arena.Reset();
        }
        _context.ThrowIfValidationFailed();
    }

    /// <summary>Copies host bytes into a device buffer through the staging buffer (waits; for uploads and tests).</summary>
    public void Upload(GpuBuffer destination, long offset, ReadOnlySpan<byte> bytes)
    {
        for (long done = 0; done < bytes.Length;)
        {
            int chunk = (int)Math.Min(StagingChunkBytes, bytes.Length - done);
            var staging = Staging(chunk);
            bytes.Slice((int)done, chunk).CopyTo(new Span<byte>(staging.Mapped, chunk));
            Copy(staging.Handle, 0, destination.Handle, offset + done, chunk);
            Finish();
            done += chunk;
        }
    }

    /// <summary>Waits for the queued work, then copies device bytes to the host through the staging buffer.</summary>
    public void Download(GpuBuffer source, long offset, Span<byte> destination)
    {
        for (long done = 0; done < destination.Length;)
        {
            int chunk = (int)Math.Min(StagingChunkBytes, destination.Length - done);
            var staging = Staging(chunk);
            Copy(source.Handle, offset + done, staging.Handle, 0, chunk);
            Finish();
            new ReadOnlySpan<byte>(staging.Mapped, chunk).CopyTo(destination.Slice((int)done, chunk));
            done += chunk;
        }
    }

    GpuBuffer Staging(long bytes)
    {
        if (_staging is null || _staging.Size < bytes)
        {
            _staging?.Dispose();
            _staging = new GpuBuffer(_context, Math.Max(bytes, 1 << 20), hostVisible: true);
        }
        return _staging;
    }

    void BeginIfNeeded()
    {
        if (_recording) return;
        var begin = new CommandBufferBeginInfo { SType = StructureType.CommandBufferBeginInfo, Flags = CommandBufferUsageFlags.OneTimeSubmitBit };
        VulkanException.Check(Vk.BeginCommandBuffer(_commands, in begin), "vkBeginCommandBuffer");
        _recording = true;
    }

    // Every command reads what the previous ones wrote (and the host reads the last copy), so one full barrier after each.
    void Barrier()
    {
        var barrier = new MemoryBarrier
        {
            SType = StructureType.MemoryBarrier,
            SrcAccessMask = AccessFlags.ShaderWriteBit | AccessFlags.TransferWriteBit,
            DstAccessMask = AccessFlags.ShaderReadBit | AccessFlags.ShaderWriteBit | AccessFlags.TransferReadBit
                          | AccessFlags.TransferWriteBit | AccessFlags.HostReadBit,
        };
        Vk.CmdPipelineBarrier(_commands, PipelineStageFlags.ComputeShaderBit | PipelineStageFlags.TransferBit,
            PipelineStageFlags.ComputeShaderBit | PipelineStageFlags.TransferBit | PipelineStageFlags.HostBit, 0, 1, in barrier, 0, null, 0, null);
    }

    DescriptorSet AllocateSet(Kernel kernel)
    {
        while (true)
        {
            if (_currentPool == _descriptorPools.Count) _descriptorPools.Add(CreateDescriptorPool());
            var layout = kernel.SetLayout;
            var info = new DescriptorSetAllocateInfo
            {
                SType = StructureType.DescriptorSetAllocateInfo, DescriptorPool = _descriptorPools[_currentPool], DescriptorSetCount = 1, PSetLayouts = &layout,
            };
            var result = Vk.AllocateDescriptorSets(_context.Device, in info, out var set);
            if (result == Result.Success) return set;
            if (result != Result.ErrorOutOfPoolMemory && result != Result.ErrorFragmentedPool) VulkanException.Check(result, "vkAllocateDescriptorSets");
            _currentPool++;
        }
    }

    DescriptorPool CreateDescriptorPool()
    {
        var size = new DescriptorPoolSize(DescriptorType.StorageBuffer, SetsPerPool * 6);
        var info = new DescriptorPoolCreateInfo { SType = StructureType.DescriptorPoolCreateInfo, MaxSets = SetsPerPool, PoolSizeCount = 1, PPoolSizes = &size };
        VulkanException.Check(Vk.CreateDescriptorPool(_context.Device, in info, null, out var pool), "vkCreateDescriptorPool");
        return pool;
    }

    public void Dispose()
    {
        if (_recording) Vk.EndCommandBuffer(_commands);
        Vk.DeviceWaitIdle(_context.Device);
        foreach (var pool in _descriptorPools) Vk.DestroyDescriptorPool(_context.Device, pool, null);
        Vk.DestroyFence(_context.Device, _fence, null);
        Vk.DestroyCommandPool(_context.Device, _pool, null);
        _staging?.Dispose();
        _arena.Dispose();
    }
}
