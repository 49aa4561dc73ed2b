namespace BitNet.Gpu.Engine.Backends.Cpu;

/// <summary>
/// cos/sin of the RoPE angles for the positions of one step, computed once and reused by every layer for q and k
/// (the angles depend only on the position, so recomputing them per layer repeated the transcendental math 60 times).
/// </summary>
internal sealed class RopeAngleTable
{
    float[] _cos = [];
    float[] _sin = [];
    int[] _positions = [];
    int _count = -1, _dims;
    float _theta;

    /// <summary>The table for the step's token positions, rebuilt only when the step or the rope settings change.</summary>
    public RopeAngleTable For(ReadOnlySpan<int> positions, int ropeDims, float theta)
    {
        if (_count == positions.Length && _dims == ropeDims && _theta == theta && positions.SequenceEqual(_positions.AsSpan(0, _count)))
            return this;
        int half = ropeDims / 2;
        if (_cos.Length < positions.Length * half)
        {
            _cos = new float[positions.Length * half];
            _sin = new float[positions.Length * half];
        }
        for (int t = 0; t < positions.Length; t++)
            Kernels.Cpu.Rope.Angles(positions[t], theta, ropeDims, _cos.AsSpan(t * half, half), _sin.AsSpan(t * half, half));
        if (_positions.Length < positions.Length) _positions = new int[positions.Length];
        positions.CopyTo(_positions);
        (_count, _dims, _theta) = (positions.Length, ropeDims, theta);
        return this;
    }

    int Half => _dims / 2;
    public ReadOnlySpan<float> Cos(int token) => _cos.AsSpan(token * Half, Half);
    public ReadOnlySpan<float> Sin(int token) => _sin.AsSpan(token * Half, Half);
}
