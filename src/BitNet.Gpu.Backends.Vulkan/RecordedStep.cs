using Silk.NET.Vulkan;
using VkBuffer = Silk.NET.Vulkan.Buffer;

namespace BitNet.Gpu.Backends.Vulkan;

/// <summary>One queued command: a dispatch with its bindings and push constants, a buffer copy, or a segment of
/// commands queued again as a whole.</summary>
internal abstract record StepCommand;

internal sealed record DispatchCommand(Kernel Kernel, BufferWindow[] Bindings, uint[] Push, uint GroupsX, uint GroupsY, uint GroupsZ) : StepCommand;

internal sealed record CopyCommand(VkBuffer Source, long SourceOffset, VkBuffer Destination, long DestinationOffset, long Bytes) : StepCommand;

/// <summary>Commands kept to be queued again as they are (a whole step, <see cref="StepRecordings"/>); <paramref name="Id"/>,
/// unique in its command stream, stands for them in a step key.</summary>
internal sealed record QueuedSegment(StepCommand[] Commands, long Id) : StepCommand;

/// <summary>
/// What identifies a recorded command buffer: every command's pipeline, bound windows, push constants and sizes.
/// Values that change from step to step (token ids, positions) live in buffers, not here, so a step of the same shape
/// has the same key and replays the same command buffer. The values are appended as commands are queued, into a list
/// reused from step to step, so a step that replays allocates no key.
/// </summary>
internal sealed class StepKey
{
    readonly long[] _values;

    public StepKey(ReadOnlySpan<long> values)
    {
        _values = values.ToArray();
        Hash = HashOf(values);
    }

    public int Hash { get; }

    public bool Matches(ReadOnlySpan<long> values, int hash) => Hash == hash && values.SequenceEqual(_values);

    /// <summary>A hash of every value, four lanes of multiply-xor: a cheap filter (cheaper per value than
    /// <see cref="HashCode"/>'s byte-wise mixing) before <see cref="Matches"/> compares the values themselves.</summary>
    public static int HashOf(ReadOnlySpan<long> values)
    {
        const ulong Prime = 0x9E3779B97F4A7C15;
        ulong h0 = (ulong)values.Length, h1 = 1, h2 = 2, h3 = 3;
        int i = 0;
        for (; i + 4 <= values.Length; i += 4)
        {
            h0 = (h0 ^ (ulong)values[i]) * Prime;
            h1 = (h1 ^ (ulong)values[i + 1]) * Prime;
            h2 = (h2 ^ (ulong)values[i + 2]) * Prime;
            h3 = (h3 ^ (ulong)values[i + 3]) * Prime;
        }
        for (; i < values.Length; i++) h0 = (h0 ^ (ulong)values[i]) * Prime;
        return HashCode.Combine(h0, h1, h2, h3);
    }

    /// <summary>Appends what identifies <paramref name="command"/>.</summary>
    public static void Append(List<long> values, StepCommand command)
    {
        switch (command)
        {
            case DispatchCommand d:
                values.Add(1);
                values.Add((long)d.Kernel.Pipeline.Handle);
                values.Add(d.GroupsX | (long)d.GroupsY << 32);
                values.Add(d.GroupsZ);
                foreach (var b in d.Bindings)
                {
                    values.Add((long)b.Buffer.Handle);
                    values.Add(b.Offset);
                    values.Add(b.Range);
                }
                foreach (uint p in d.Push) values.Add(p);
                break;
            case CopyCommand c:
                values.Add(2);
                values.Add((long)c.Source.Handle);
                values.Add(c.SourceOffset);
                values.Add((long)c.Destination.Handle);
                values.Add(c.DestinationOffset);
                values.Add(c.Bytes);
                break;
            case QueuedSegment s:
                values.Add(3);
                values.Add(s.Id);
                break;
        }
    }
}

/// <summary>A recorded command buffer and the descriptor sets it binds, kept for replay while its buffers live.</summary>
internal sealed unsafe class RecordedStep : IDisposable
{
    readonly VulkanContext _context;
    readonly CommandPool _commandPool;
    readonly DescriptorPool _descriptorPool;

    public CommandBuffer Commands { get; }
    /// <summary>Commands recorded, those of each segment counted one by one.</summary>
    public int CommandCount { get; }
    /// <summary>Barriers recorded between commands (the one at the end not counted).</summary>
    public int BarrierCount { get; }

    public RecordedStep(VulkanContext context, CommandPool commandPool, IReadOnlyList<StepCommand> queued, bool oneTime)
    {
        _context = context;
        _commandPool = commandPool;
        var vk = context.Vk;
        var commands = Flatten(queued);
        CommandCount = commands.Count;
        var dispatches = commands.OfType<DispatchCommand>().ToArray();
        if (dispatches.Length > 0)
        {
            var size = new DescriptorPoolSize(DescriptorType.StorageBuffer, (uint)dispatches.Sum(d => d.Bindings.Length));
            var poolInfo = new DescriptorPoolCreateInfo
            {
                SType = StructureType.DescriptorPoolCreateInfo, MaxSets = (uint)dispatches.Length, PoolSizeCount = 1, PPoolSizes = &size,
            };
            VulkanException.Check(vk.CreateDescriptorPool(context.Device, in poolInfo, null, out _descriptorPool), "vkCreateDescriptorPool");
        }
        var allocate = new CommandBufferAllocateInfo
        {
            SType = StructureType.CommandBufferAllocateInfo, CommandPool = commandPool, Level = CommandBufferLevel.Primary, CommandBufferCount = 1,
        };
        VulkanException.Check(vk.AllocateCommandBuffers(context.Device, in allocate, out var commandBuffer), "vkAllocateCommandBuffers");
        Commands = commandBuffer;

        var begin = new CommandBufferBeginInfo
        {
            SType = StructureType.CommandBufferBeginInfo, Flags = oneTime ? CommandBufferUsageFlags.OneTimeSubmitBit : 0,
        };
        VulkanException.Check(vk.BeginCommandBuffer(commandBuffer, in begin), "vkBeginCommandBuffer");
        var dependencies = new DependencyTracker();
        var reads = new List<BufferWindow>();
        var writes = new List<BufferWindow>();
        foreach (var command in commands)
        {
            Accesses(command, reads, writes);
            if (dependencies.NeedsBarrier(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(reads), System.Runtime.InteropServices.CollectionsMarshal.AsSpan(writes)))
            {
                Barrier();
                BarrierCount++;
                dependencies.Clear();
            }
            dependencies.Add(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(reads), System.Runtime.InteropServices.CollectionsMarshal.AsSpan(writes));
            if (command is DispatchCommand d) RecordDispatch(d);
            else if (command is CopyCommand c)
            {
                var region = new BufferCopy((ulong)c.SourceOffset, (ulong)c.DestinationOffset, (ulong)c.Bytes);
                vk.CmdCopyBuffer(commandBuffer, c.Source, c.Destination, 1, in region);
            }
        }
        Barrier();   // the host, and the next submission, see everything this one wrote
        VulkanException.Check(vk.EndCommandBuffer(commandBuffer), "vkEndCommandBuffer");
    }

    // The commands in order, each segment's in its place.
    static List<StepCommand> Flatten(IReadOnlyList<StepCommand> queued)
    {
        var commands = new List<StepCommand>(queued.Count);
        foreach (var command in queued)
            if (command is QueuedSegment segment) commands.AddRange(Flatten(segment.Commands));
            else commands.Add(command);
        return commands;
    }

    void RecordDispatch(DispatchCommand d)
    {
        var vk = _context.Vk;
        var layout = d.Kernel.SetLayout;
        var allocate = new DescriptorSetAllocateInfo
        {
            SType = StructureType.DescriptorSetAllocateInfo, DescriptorPool = _descriptorPool, DescriptorSetCount = 1, PSetLayouts = &layout,
        };
        VulkanException.Check(vk.AllocateDescriptorSets(_context.Device, in allocate, out var set), "vkAllocateDescriptorSets");
        var infos = stackalloc DescriptorBufferInfo[d.Bindings.Length];
        var writes = stackalloc WriteDescriptorSet[d.Bindings.Length];
        for (int i = 0; i < d.Bindings.Length; i++)
        {
            infos[i] = new DescriptorBufferInfo(d.Bindings[i].Buffer, (ulong)d.Bindings[i].Offset, (ulong)d.Bindings[i].Range);
            writes[i] = new WriteDescriptorSet
            {
                SType = StructureType.WriteDescriptorSet, DstSet = set, DstBinding = (uint)i, DescriptorCount = 1,
                DescriptorType = DescriptorType.StorageBuffer, PBufferInfo = &infos[i],
            };
        }
        vk.UpdateDescriptorSets(_context.Device, (uint)d.Bindings.Length, writes, 0, null);
        vk.CmdBindPipeline(Commands, PipelineBindPoint.Compute, d.Kernel.Pipeline);
        vk.CmdBindDescriptorSets(Commands, PipelineBindPoint.Compute, d.Kernel.Layout, 0, 1, in set, 0, null);
        fixed (uint* constants = d.Push)
            vk.CmdPushConstants(Commands, d.Kernel.Layout, ShaderStageFlags.ComputeBit, 0, d.Kernel.PushConstantBytes, constants);
        vk.CmdDispatch(Commands, d.GroupsX, d.GroupsY, d.GroupsZ);
    }

    static void Accesses(StepCommand command, List<BufferWindow> reads, List<BufferWindow> writes)
    {
        reads.Clear();
        writes.Clear();
        switch (command)
        {
            case DispatchCommand d:
                for (int i = 0; i < d.Bindings.Length; i++)
                {
                    reads.Add(d.Bindings[i]);
                    if ((d.Kernel.WrittenBindings & (1u << i)) != 0) writes.Add(d.Bindings[i]);
                }
                break;
            case CopyCommand c:
                reads.Add(new BufferWindow(c.Source, c.SourceOffset, c.Bytes));
                writes.Add(new BufferWindow(c.Destination, c.DestinationOffset, c.Bytes));
                break;
        }
    }

    // Makes every earlier shader or transfer write visible to every later command and to the host.
    void Barrier()
    {
        var barrier = new MemoryBarrier
        {
            SType = StructureType.MemoryBarrier,
            SrcAccessMask = AccessFlags.ShaderWriteBit | AccessFlags.TransferWriteBit,
            DstAccessMask = AccessFlags.ShaderReadBit | AccessFlags.ShaderWriteBit | AccessFlags.TransferReadBit
                          | AccessFlags.TransferWriteBit | AccessFlags.HostReadBit,
        };
        _context.Vk.CmdPipelineBarrier(Commands, PipelineStageFlags.ComputeShaderBit | PipelineStageFlags.TransferBit,
            PipelineStageFlags.ComputeShaderBit | PipelineStageFlags.TransferBit | PipelineStageFlags.HostBit, 0, 1, in barrier, 0, null, 0, null);
    }

    public void Dispose()
    {
        var commands = Commands;
        _context.Vk.FreeCommandBuffers(_context.Device, _commandPool, 1, in commands);
        if (_descriptorPool.Handle != 0) _context.Vk.DestroyDescriptorPool(_context.Device, _descriptorPool, null);
    }
}
