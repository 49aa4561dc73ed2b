using Silk.NET.Vulkan;
using VkBuffer = Silk.NET.Vulkan.Buffer;

namespace BitNet.Gpu.Backends.Vulkan;

/// <summary>
/// Collects the operations of a step and submits them as one command buffer when the host needs a result
/// (<see cref="Finish"/>): one submit and one wait per step. A step whose commands match an earlier one (same shape:
/// per-step values such as tokens and positions live in buffers) replays that recorded command buffer instead of
/// recording again. Host data for a step (the token ids and places it copies to the device, a grown table) lives until the wait.
/// </summary>
internal sealed unsafe class CommandStream : IDisposable
{
    const long StagingChunkBytes = 64L << 20;
    const int CachedSteps = 8;   // step shapes kept for replay: one-token steps, prompt batches, the reads
    static readonly ulong FenceTimeoutNanoseconds = (ulong)TimeSpan.FromMinutes(10).Ticks * 100;

    readonly VulkanContext _context;
    readonly CommandPool _pool;
    readonly Fence[] _fences = new Fence[2];   // alternate: one is reset while the device runs the other's submission
    int _fenceIndex;
    readonly HostArena _arena;
    readonly List<StepCommand> _pending = [];
    readonly List<IDisposable> _retired = [];
    readonly List<long> _keyValues = [];                          // the pending commands' StepKey values
    readonly List<(StepKey Key, RecordedStep Step)> _recorded = []; // least recently used first
    bool _pendingIsCacheable = true;
    long _segments;         // segments made so far: each one's id
    long _bufferGeneration;
    GpuBuffer? _staging;    // host writes, device reads
    GpuBuffer? _readback;   // device writes, host reads: host-cached where the device has it

    Vk Vk => _context.Vk;

    /// <summary>Queue submissions so far (each is followed by one wait): a step should cost exactly one.</summary>
    public int SubmitCount { get; private set; }
    /// <summary>Submissions that replayed a recorded command buffer.</summary>
    public int ReplayCount { get; private set; }
    /// <summary>Commands in the last submission, and the barriers recorded between them (only between dependent ones).</summary>
    public (int Commands, int Barriers) LastSubmission { get; private set; }
    /// <summary>The host's time per one-token step, less the device waits.</summary>
    public StepHostTime HostTime { get; } = new();
    /// <summary>Changes at each wait, which frees host data: a window from <see cref="HostData"/> is good while this is unchanged.</summary>
    public int HostDataGeneration { get; private set; }

    public CommandStream(VulkanContext context)
    {
        _context = context;
        var poolInfo = new CommandPoolCreateInfo { SType = StructureType.CommandPoolCreateInfo, QueueFamilyIndex = context.QueueFamily };
        VulkanException.Check(Vk.CreateCommandPool(context.Device, in poolInfo, null, out _pool), "vkCreateCommandPool");
        var fenceInfo = new FenceCreateInfo { SType = StructureType.FenceCreateInfo };
        for (int i = 0; i < _fences.Length; i++)
            VulkanException.Check(Vk.CreateFence(context.Device, in fenceInfo, null, out _fences[i]), "vkCreateFence");
        _arena = new HostArena(context);
        _bufferGeneration = context.BufferGeneration;
    }

    /// <summary>Queues one dispatch of <paramref name="kernel"/> over the given bindings and push constants.</summary>
    public void Dispatch(Kernel kernel, ReadOnlySpan<BufferWindow> bindings, ReadOnlySpan<uint> push, uint groupsX, uint groupsY = 1, uint groupsZ = 1)
    {
        if (bindings.Length != kernel.BindingCount) throw new ArgumentException($"{kernel.Name} takes {kernel.BindingCount} bindings", nameof(bindings));
        if (push.Length * 4 != kernel.PushConstantBytes) throw new ArgumentException($"{kernel.Name} takes {kernel.PushConstantBytes / 4} push constants", nameof(push));
        if (groupsX == 0 || groupsY == 0 || groupsZ == 0) return;
        Queue(new DispatchCommand(kernel, bindings.ToArray(), push.ToArray(), groupsX, groupsY, groupsZ));
    }

    void Queue(StepCommand command)
    {
        _pending.Add(command);
        StepKey.Append(_keyValues, command);
    }

    /// <summary>Where the queued commands end now: the start of a <see cref="SegmentSince"/>.</summary>
    public (int Commands, int KeyValues) Mark => (_pending.Count, _keyValues.Count);

    /// <summary>Whether queued commands can be queued again as they were: none uploads host data, and no buffer was
    /// replaced since the last wait (commands recorded before would bind the old one).</summary>
    public bool CanRepeat => _pendingIsCacheable && _retired.Count == 0;

    /// <summary>
    /// The commands queued since <paramref name="mark"/>, to queue again with <see cref="QueueSegment"/>; null when they
    /// cannot be (<see cref="CanRepeat"/>). They stay queued as the one segment, whose id stands for them in the step key
    /// (a segment never changes): a step that queues the segment again matches the command buffer this one records with
    /// one queued command and two key values, not hundreds.
    /// </summary>
    public QueuedSegment? SegmentSince((int Commands, int KeyValues) mark)
    {
        if (!CanRepeat) return null;
        var segment = new QueuedSegment(_pending.GetRange(mark.Commands, _pending.Count - mark.Commands).ToArray(), ++_segments);
        _pending.RemoveRange(mark.Commands, _pending.Count - mark.Commands);
        _keyValues.RemoveRange(mark.KeyValues, _keyValues.Count - mark.KeyValues);
        Queue(segment);
        return segment;
    }

    /// <summary>Queues a segment's commands again, as they were queued (no per-command work).</summary>
    public void QueueSegment(QueuedSegment segment) => Queue(segment);

    /// <summary>Queues a copy of bytes between buffers.</summary>
    public void Copy(VkBuffer source, long sourceOffset, VkBuffer destination, long destinationOffset, long bytes) =>
        Queue(new CopyCommand(source, sourceOffset, destination, destinationOffset, bytes));

    /// <summary>Queues a copy of host bytes into a device buffer through host memory that lives until the next wait, without
    /// waiting: for data a step needs once (a grown table). The submission it joins is not kept for replay.</summary>
    public void QueueUpload<T>(GpuBuffer destination, ReadOnlySpan<T> values) where T : unmanaged
    {
        var host = _arena.Add(values);
        Copy(host.Buffer, host.Offset, destination.Handle, 0, host.Range);
        _pendingIsCacheable = false;
    }

    /// <summary>Disposes <paramref name="resource"/> after the next wait, when no queued command can name it any more.</summary>
    public void DisposeAfterWait(IDisposable resource) => _retired.Add(resource);

    /// <summary>Copies host values into host-visible memory that lives until the next wait, as one binding.</summary>
    public BufferWindow HostData<T>(ReadOnlySpan<T> values) where T : unmanaged => _arena.Add(values);

    /// <summary>Submits everything queued (replaying a recorded command buffer when the step's shape was seen before),
    /// waits for it, and throws if the validation layer objected to anything. <paramref name="whileDeviceRuns"/> is host
    /// work that does not need the results: it runs between the submission and the wait, off the step's critical path.</summary>
    public void Finish(Action? whileDeviceRuns = null)
    {
        try
        {
            if (_pending.Count > 0) SubmitAndWait(whileDeviceRuns);
            else whileDeviceRuns?.Invoke();
        }
        finally
        {
            _pending.Clear();
            _keyValues.Clear();
            _pendingIsCacheable = true;
            _arena.Reset();
            HostDataGeneration++;
            foreach (var resource in _retired) resource.Dispose();
            _retired.Clear();
        }
        _context.ThrowIfValidationFailed();
    }

    void SubmitAndWait(Action? whileDeviceRuns)
    {
        if (_bufferGeneration != _context.BufferGeneration) ForgetRecordedSteps();   // a bound buffer may be gone
        var keyValues = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_keyValues);
        int hash = StepKey.HashOf(keyValues);
        int found = _pendingIsCacheable ? FindRecorded(keyValues, hash) : -1;
        bool replay = found >= 0;
        var step = replay ? _recorded[found].Step : new RecordedStep(_context, _pool, _pending, oneTime: !_pendingIsCacheable);
        bool kept = replay;   // whether _recorded owns the step (else it is disposed here)
        try
        {
            var fence = Submit(step, replay);
            long submitEnd = System.Diagnostics.Stopwatch.GetTimestamp();

            // While the device runs: the other fence (waited on before, or never used) is made ready for the next
            // submission, the recorded steps' order is kept, and the caller's work is done.
            var other = _fences[_fenceIndex];
            VulkanException.Check(Vk.ResetFences(_context.Device, 1, in other), "vkResetFences");
            if (replay) MarkRecentlyUsed(found);
            else if (_pendingIsCacheable)
            {
                Remember(new StepKey(keyValues), step);
                kept = true;
            }
            whileDeviceRuns?.Invoke();
            long waitStart = System.Diagnostics.Stopwatch.GetTimestamp();
            bool deviceWasDone = Vk.GetFenceStatus(_context.Device, fence) == Result.Success;   // then that work delayed the step
            HostTime.AddOverlapped(waitStart - submitEnd, onCriticalPath: deviceWasDone);

            Wait(fence);
        }
        finally
        {
            if (!kept) step.Dispose();
        }
    }

    /// <summary>Submits the step's command buffer with the next fence, which it returns.</summary>
    Fence Submit(RecordedStep step, bool replay)
    {
        var commands = step.Commands;
        var submit = new SubmitInfo { SType = StructureType.SubmitInfo, CommandBufferCount = 1, PCommandBuffers = &commands };
        var fence = _fences[_fenceIndex];
        long submitStart = System.Diagnostics.Stopwatch.GetTimestamp();
        VulkanException.Check(Vk.QueueSubmit(_context.Queue, 1, in submit, fence), "vkQueueSubmit");
        HostTime.AddSubmit(System.Diagnostics.Stopwatch.GetTimestamp() - submitStart);
        SubmitCount++;
        if (replay) ReplayCount++;
        LastSubmission = (step.CommandCount, step.BarrierCount);
        _fenceIndex ^= 1;
        return fence;
    }

    void Wait(Fence fence)
    {
        long waitStart = System.Diagnostics.Stopwatch.GetTimestamp();
        var waited = Vk.WaitForFences(_context.Device, 1, in fence, true, FenceTimeoutNanoseconds);
        HostTime.AddWait(System.Diagnostics.Stopwatch.GetTimestamp() - waitStart);
        if (waited == Result.Timeout) throw new VulkanException("the Vulkan device did not finish the queued work within 10 minutes");
        VulkanException.Check(waited, "vkWaitForFences");
    }

    void MarkRecentlyUsed(int index)
    {
        var entry = _recorded[index];
        _recorded.RemoveAt(index);
        _recorded.Add(entry);
    }

    int FindRecorded(ReadOnlySpan<long> keyValues, int hash)
    {
        for (int i = _recorded.Count - 1; i >= 0; i--)
            if (_recorded[i].Key.Matches(keyValues, hash)) return i;
        return -1;
    }

    void Remember(StepKey key, RecordedStep step)
    {
        _recorded.Add((key, step));
        if (_recorded.Count <= CachedSteps) return;
        _recorded[0].Step.Dispose();
        _recorded.RemoveAt(0);
    }

    void ForgetRecordedSteps()
    {
        foreach (var (_, step) in _recorded) step.Dispose();
        _recorded.Clear();
        _bufferGeneration = _context.BufferGeneration;
    }

    /// <summary>Copies host bytes into a device buffer through the staging buffer (waits; for uploads and tests).</summary>
    public void Upload(GpuBuffer destination, long offset, ReadOnlySpan<byte> bytes)
    {
        for (long done = 0; done < bytes.Length;)
        {
            int chunk = (int)Math.Min(StagingChunkBytes, bytes.Length - done);
            var staging = Staging(ref _staging, chunk, hostReads: false);
            bytes.Slice((int)done, chunk).CopyTo(new Span<byte>(staging.Mapped, chunk));
            Copy(staging.Handle, 0, destination.Handle, offset + done, chunk);
            _pendingIsCacheable = false;   // uploads go to ever new places: nothing to replay
            Finish();
            done += chunk;
        }
    }

    /// <summary>Waits for the queued work, then copies device bytes to the host through the readback buffer.
    /// <paramref name="whileDeviceRuns"/>: as for <see cref="Finish"/>, once.</summary>
    public void Download(GpuBuffer source, long offset, Span<byte> destination, Action? whileDeviceRuns = null)
    {
        for (long done = 0; done < destination.Length;)
        {
            int chunk = (int)Math.Min(StagingChunkBytes, destination.Length - done);
            var readback = Staging(ref _readback, chunk, hostReads: true);
            Copy(source.Handle, offset + done, readback.Handle, 0, chunk);
            Finish(done == 0 ? whileDeviceRuns : null);
            readback.Invalidate();
            new ReadOnlySpan<byte>(readback.Mapped, chunk).CopyTo(destination.Slice((int)done, chunk));
            done += chunk;
        }
    }

    GpuBuffer Staging(ref GpuBuffer? buffer, long bytes, bool hostReads)
    {
        if (buffer is null || buffer.Size < bytes)
        {
            if (buffer is not null) DisposeAfterWait(buffer);   // queued commands may still name it
            buffer = new GpuBuffer(_context, Math.Max(bytes, 1 << 20), hostVisible: true, hostReads);
        }
        return buffer;
    }

    public void Dispose()
    {
        Vk.DeviceWaitIdle(_context.Device);
        foreach (var (_, step) in _recorded) step.Dispose();
        _recorded.Clear();
        foreach (var fence in _fences) Vk.DestroyFence(_context.Device, fence, null);
        Vk.DestroyCommandPool(_context.Device, _pool, null);
        _staging?.Dispose();
        _readback?.Dispose();
        _arena.Dispose();
        foreach (var resource in _retired) resource.Dispose();
    }
}
