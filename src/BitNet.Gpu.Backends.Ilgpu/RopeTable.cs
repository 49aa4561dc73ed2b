using ILGPU;
using ILGPU.Runtime;

namespace BitNet.Gpu.Backends.Ilgpu;

/// <summary>
/// cos θ and sin θ for θ = position · base^(−2i/ropeDims), computed on the host in double and kept on the device
/// (positions × ropeDims/2 × 2 floats): float θ would lose 1e-4 rad by position 4000. Rebuilt only when the rope
/// settings change or a position beyond the table is needed.
/// </summary>
sealed class RopeTable(DeviceMemory memory, AcceleratorStream stream) : IDisposable
{
    MemoryBuffer1D<float, Stride1D.Dense>? _table;
    int _ropeDims, _positions;
    float _freqBase;

    /// <summary>Positions the table holds.</summary>
    public int Positions => _positions;

    public ArrayView<float> Get(int ropeDims, float freqBase, int positionsNeeded, int preferredPositions)
    {
        if (_table is null || ropeDims != _ropeDims || freqBase != _freqBase || positionsNeeded > _positions)
            Build(ropeDims, freqBase, Math.Max(positionsNeeded, Math.Max(preferredPositions, 2 * _positions)));
        return _table!.View;
    }

    void Build(int ropeDims, float freqBase, int positions)
    {
        int half = ropeDims / 2;
        var values = new float[(long)positions * half * 2];
        for (int p = 0; p < positions; p++)
        for (int i = 0; i < half; i++)
        {
            var (sin, cos) = Math.SinCos(p * Math.Pow(freqBase, -2.0 * i / ropeDims));
            values[((long)p * half + i) * 2] = (float)cos;
            values[((long)p * half + i) * 2 + 1] = (float)sin;
        }
        stream.Synchronize();   // queued kernels may still read the old table
        memory.Free(_table);
        _table = memory.Allocate<float>(values.Length, "rope table");
        _table.View.CopyFromCPU(stream, values);
        (_ropeDims, _freqBase, _positions) = (ropeDims, freqBase, positions);
    }

    public void Dispose() => memory.Free(_table);
}
