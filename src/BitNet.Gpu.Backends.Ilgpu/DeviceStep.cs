using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Kernels.Ilgpu;
using ILGPU;
using ILGPU.Runtime;

namespace BitNet.Gpu.Backends.Ilgpu;

/// <summary>
/// The step's per-token arrays on the device: token ids, sequences and positions, uploaded in one copy per step and
/// read by the embedding, RoPE, KV store and attention kernels, so a step of many sequences is still one launch per op.
/// The copy goes from pinned memory and is queued: the host does not wait for the device to take the step.
/// The host keeps the count and the extremes that size launches and check the cache.
/// </summary>
sealed class DeviceStep(DeviceMemory memory, AcceleratorStream stream, PinnedStaging<int> staging) : IDisposable
{
    MemoryBuffer1D<int, Stride1D.Dense>? _buffer;   // capacity × 3: tokens, then sequences, then positions

    /// <summary>Tokens in the step.</summary>
    public int Count { get; private set; }
    /// <summary>The highest sequence (cache slot) a token of the step goes to.</summary>
    public int LastSequence { get; private set; }
    /// <summary>Positions the longest token's attention covers: its position + 1.</summary>
    public int LongestLength { get; private set; }

    public ArrayView<int> Tokens => Run(0);
    public TokenPlaces Places => new(Run(1), Run(2));
    public ArrayView<int> Positions => Run(2);

    ArrayView<int> Run(int which) => _buffer!.View.SubView((long)which * Count, Count);

    public void Upload(StepTokens step)
    {
        int n = step.Count;
        for (int t = 0; t < n; t++)
        {
            if (step.Sequences[t] < 0) throw new ArgumentOutOfRangeException(nameof(step), step.Sequences[t], $"token {t}: sequences start at 0");
            if (step.Positions[t] < 0) throw new ArgumentOutOfRangeException(nameof(step), step.Positions[t], $"token {t}: positions start at 0");
        }
        Count = n;
        LastSequence = 0;
        LongestLength = 0;
        if (n == 0) return;
        bool grow = _buffer is null || _buffer.Length < 3L * n;
        if (grow || staging.CopyInFlight)
        {
            stream.Synchronize();   // queued kernels may still read the old arrays, or the last upload still be queued
            staging.StreamIdle();
        }
        if (grow)
        {
            memory.Free(_buffer);
            _buffer = memory.Allocate<int>(3L * Math.Max(n, 64), "step tokens, sequences and positions");
        }
        var host = staging.Span(3 * n);
        step.Tokens.CopyTo(host[..n]);
        step.Sequences.CopyTo(host.Slice(n, n));
        step.Positions.CopyTo(host.Slice(2 * n, n));
        for (int t = 0; t < n; t++)
        {
            LastSequence = Math.Max(LastSequence, step.Sequences[t]);
            LongestLength = Math.Max(LongestLength, step.Positions[t] + 1);
        }
        staging.CopyTo(stream, _buffer!.View.SubView(0, 3L * n));
    }

    public void Dispose()
    {
        memory.Free(_buffer);
        staging.Dispose();
    }
}
