namespace BitNet.Gpu.Backends.Vulkan;

/// <summary>
/// A step's token ids and per-token (sequence, position) in device-local memory: written to host memory at
/// <c>BeginStep</c> and copied to the device by the step's first command, so the shaders read them from device memory
/// (not across the bus) and a recorded step replays at whatever tokens and positions the next one has.
/// </summary>
internal sealed class StepConstants(VulkanContext context) : IDisposable
{
    GpuBuffer? _buffer;
    int _capacity;   // tokens

    /// <summary>Per token (sequence, position), as uvec2.</summary>
    public BufferWindow Places { get; private set; }
    /// <summary>Per token its id.</summary>
    public BufferWindow Tokens { get; private set; }

    /// <summary>Queues the copy of this step's values; the windows then name them until the next call.</summary>
    public void Stage(CommandStream stream, ReadOnlySpan<int> tokens, ReadOnlySpan<uint> places)
    {
        int n = tokens.Length;
        long tokensOffset = TokensOffset(Math.Max(n, 1));
        if (Math.Max(n, 1) > _capacity) Grow(stream, Math.Max(n, 1));
        int words = (int)(tokensOffset / 4) + n;
        Span<uint> values = words <= 1024 ? stackalloc uint[words] : new uint[words];
        places.CopyTo(values);
        for (int t = 0; t < n; t++) values[words - n + t] = (uint)tokens[t];
        var host = stream.HostData<uint>(values);
        stream.Copy(host.Buffer, host.Offset, _buffer!.Handle, 0, host.Range);
        Places = _buffer.Window(0, Math.Max(n, 1) * 8L);
        Tokens = _buffer.Window(tokensOffset, Math.Max(n, 1) * 4L);
    }

    // The tokens follow the places at the next offset a binding may start at.
    long TokensOffset(int tokens) => (tokens * 8L + context.OffsetAlignment - 1) / context.OffsetAlignment * context.OffsetAlignment;

    void Grow(CommandStream stream, int tokens)
    {
        if (_buffer is not null) stream.DisposeAfterWait(_buffer);   // queued commands of an earlier step may still bind it
        _capacity = Math.Max(tokens, 2 * _capacity);
        _buffer = new GpuBuffer(context, TokensOffset(_capacity) + _capacity * 4L, hostVisible: false);
    }

    public void Dispose() => _buffer?.Dispose();
}
