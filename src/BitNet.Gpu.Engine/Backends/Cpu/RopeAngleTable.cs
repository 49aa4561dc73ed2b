namespace BitNet.Gpu.Engine.Backends.Cpu;

/// <summary>
/// cos/sin of the RoPE angles for the positions of one step, computed once and reused by every layer for q and k
/// (the angles depend only on the position, so recomputing them per layer repeated the transcendental math 60 times).
/// </summary>
internal sealed class RopeAngleTable
{
    float[] _cos = [];
    float[] _sin = [];
    (int Start, int Count, int Dims, float Theta) _key = (-1, 0, 0, 0f);

    /// <summary>The table for positions start .. start + count - 1, rebuilt only when the step or the rope settings change.</summary>
    public RopeAngleTable For(int start, int count, int ropeDims, float theta)
    {
        var key = (start, count, ropeDims, theta);
        if (key == _key) return this;
        int half = ropeDims / 2;
        if (_cos.Length < count * half)
        {
            _cos = new float[count * half];
            _sin = new float[count * half];
        }
        for (int t = 0; t < count; t++)
            Kernels.Cpu.Rope.Angles(start + t, theta, ropeDims, _cos.AsSpan(t * half, half), _sin.AsSpan(t * half, half));
        _key = key;
        return this;
    }

    int Half => _key.Dims / 2;
    public ReadOnlySpan<float> Cos(int token) => _cos.AsSpan(token * Half, Half);
    public ReadOnlySpan<float> Sin(int token) => _sin.AsSpan(token * Half, Half);
}
