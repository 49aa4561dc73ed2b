using Silk.NET.Vulkan;
using VkBuffer = Silk.NET.Vulkan.Buffer;

namespace BitNet.Gpu.Backends.Vulkan;

/// <summary>A part of a buffer that one descriptor binds: [Offset, Offset + Range) bytes.</summary>
internal readonly record struct BufferWindow(VkBuffer Buffer, long Offset, long Range);

/// <summary>One VkBuffer with its own memory: device-local for tensors, host-visible (mapped) for staging and per-step constants.</summary>
internal sealed unsafe class GpuBuffer : IDisposable
{
    readonly VulkanContext _context;
    readonly DeviceMemory _memory;

    public VkBuffer Handle { get; private set; }
    public long Size { get; }
    /// <summary>The mapped bytes of a host-visible buffer; null for a device-local one.</summary>
    public byte* Mapped { get; }
    /// <summary>The property flags of the memory type the buffer lives in.</summary>
    public MemoryPropertyFlags MemoryFlags { get; }
    /// <summary>Host-visible memory the host reads through its caches: the device's writes must be invalidated in before a read.</summary>
    public bool NeedsInvalidate { get; }

    /// <param name="hostVisible">Mapped host memory (write-combined where the device prefers it: for data the host writes).</param>
    /// <param name="hostReads">With <paramref name="hostVisible"/>: memory the host reads back, host-cached where the device has it
    /// (an uncached mapping reads a word at a time across the bus).</param>
    public GpuBuffer(VulkanContext context, long size, bool hostVisible, bool hostReads = false)
    {
        if (size <= 0) throw new ArgumentOutOfRangeException(nameof(size), size, "a buffer needs at least one byte");
        _context = context;
        Size = size;
        var vk = context.Vk;
        var info = new BufferCreateInfo
        {
            SType = StructureType.BufferCreateInfo, Size = (ulong)size, SharingMode = SharingMode.Exclusive,
            Usage = BufferUsageFlags.StorageBufferBit | BufferUsageFlags.TransferSrcBit | BufferUsageFlags.TransferDstBit,
        };
        VulkanException.Check(vk.CreateBuffer(context.Device, in info, null, out var buffer), "vkCreateBuffer");
        Handle = buffer;
        var requirements = vk.GetBufferMemoryRequirements(context.Device, buffer);
        uint memoryType = hostVisible && hostReads ? ReadbackMemoryType(context, requirements.MemoryTypeBits)
            : context.FindMemoryType(requirements.MemoryTypeBits,
                hostVisible ? MemoryPropertyFlags.HostVisibleBit | MemoryPropertyFlags.HostCoherentBit : MemoryPropertyFlags.DeviceLocalBit);
        MemoryFlags = context.MemoryProperties.MemoryTypes[(int)memoryType].PropertyFlags;
        NeedsInvalidate = hostVisible && (MemoryFlags & MemoryPropertyFlags.HostCoherentBit) == 0;
        var allocate = new MemoryAllocateInfo
        {
            SType = StructureType.MemoryAllocateInfo, AllocationSize = requirements.Size, MemoryTypeIndex = memoryType,
        };
        var result = vk.AllocateMemory(context.Device, in allocate, null, out _memory);
        if (result != Result.Success)
        {
            vk.DestroyBuffer(context.Device, buffer, null);
            throw new VulkanException($"vkAllocateMemory of {size:N0} bytes ({(hostVisible ? "host-visible" : "device-local")}) failed: {result}");
        }
        VulkanException.Check(vk.BindBufferMemory(context.Device, buffer, _memory, 0), "vkBindBufferMemory");
        if (hostVisible)
        {
            void* mapped;
            VulkanException.Check(vk.MapMemory(context.Device, _memory, 0, Vk.WholeSize, 0, &mapped), "vkMapMemory");
            Mapped = (byte*)mapped;
        }
        context.Track(this);
    }

    // Host-cached first (coherent if there is such a type), else whatever host-visible coherent memory there is.
    static uint ReadbackMemoryType(VulkanContext context, uint typeBits)
    {
        foreach (var wanted in new[]
                 {
                     MemoryPropertyFlags.HostVisibleBit | MemoryPropertyFlags.HostCachedBit | MemoryPropertyFlags.HostCoherentBit,
                     MemoryPropertyFlags.HostVisibleBit | MemoryPropertyFlags.HostCachedBit,
                 })
            if (context.TryFindMemoryType(typeBits, wanted, out uint type)) return type;
        return context.FindMemoryType(typeBits, MemoryPropertyFlags.HostVisibleBit | MemoryPropertyFlags.HostCoherentBit);
    }

    /// <summary>Makes the device's writes visible to host reads of a non-coherent mapping (after the wait).</summary>
    public void Invalidate()
    {
        if (!NeedsInvalidate) return;
        var range = new MappedMemoryRange { SType = StructureType.MappedMemoryRange, Memory = _memory, Offset = 0, Size = Vk.WholeSize };
        VulkanException.Check(_context.Vk.InvalidateMappedMemoryRanges(_context.Device, 1, in range), "vkInvalidateMappedMemoryRanges");
    }

    /// <summary>Bytes [offset, offset + range) as one binding; the caller keeps range within the binding limit.</summary>
    public BufferWindow Window(long offset, long range)
    {
        if (offset < 0 || range <= 0 || offset + range > Size)
            throw new ArgumentOutOfRangeException(nameof(range), $"window [{offset}, {offset + range}) is outside the {Size}-byte buffer");
        if (range > _context.MaxBindingBytes)
            throw new VulkanException($"a binding of {range:N0} bytes exceeds this device's limit of {_context.MaxBindingBytes:N0} bytes per storage buffer");
        return new BufferWindow(Handle, offset, range);
    }

    public void Dispose()
    {
        if (Handle.Handle == 0) return;
        _context.Untrack(this);
        _context.Vk.DestroyBuffer(_context.Device, Handle, null);
        _context.Vk.FreeMemory(_context.Device, _memory, null);
        Handle = default;
    }
}
