namespace BitNet.Gpu.Backends.Vulkan;

/// <summary>
/// (cos θ, sin θ) for θ = position · base^(−2i/ropeDims), i &lt; ropeDims/2, for positions 0 .. capacity − 1 (512, doubled as steps reach past it), in device
/// memory: computed in double on the host once per (ropeDims, base) and per growth, so no other step
/// computes or sends rotations. Float angles near position 4000 would lose the 1e-4 accuracy the graph needs.
/// </summary>
internal sealed class RopeTable : IDisposable
{
    const int InitialPositions = 512;   // doubled as needed: the first step computes no more than it must
    readonly VulkanContext _context;
    readonly int _ropeDims;
    readonly float _freqBase;
    GpuBuffer? _buffer;

    public RopeTable(VulkanContext context, int ropeDims, float freqBase)
    {
        _context = context;
        _ropeDims = ropeDims;
        _freqBase = freqBase;
    }

    /// <summary>Positions the table holds.</summary>
    public int Capacity { get; private set; }

    /// <summary>The table as one binding, grown first if it lacks <paramref name="positions"/> (the upload joins the queued
    /// commands, so the step still takes one submission).</summary>
    public BufferWindow Window(CommandStream stream, int positions)
    {
        if (positions > Capacity) Grow(stream, positions);
        return _buffer!.Window(0, _buffer.Size);
    }

    void Grow(CommandStream stream, int positions)
    {
        int capacity = Math.Max(InitialPositions, Capacity);
        while (capacity < positions) capacity *= 2;
        var rotations = Rotations(capacity, _ropeDims, _freqBase);
        var buffer = new GpuBuffer(_context, rotations.Length * 4L, hostVisible: false);
        stream.QueueUpload<float>(buffer, rotations);
        if (_buffer is not null) stream.DisposeAfterWait(_buffer);
        _buffer = buffer;
        Capacity = capacity;
    }

    static float[] Rotations(int positions, int ropeDims, float freqBase)
    {
        int half = ropeDims / 2;
        var rotations = new float[positions * half * 2];
        for (int i = 0; i < half; i++)
        {
            double frequency = Math.Pow(freqBase, -2.0 * i / ropeDims);
            for (int p = 0; p < positions; p++)
            {
                var (sin, cos) = Math.SinCos(p * frequency);
                rotations[(p * half + i) * 2] = (float)cos;
                rotations[(p * half + i) * 2 + 1] = (float)sin;
            }
        }
        return rotations;
    }

    public void Dispose() => _buffer?.Dispose();
}
