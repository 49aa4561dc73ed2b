using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Kernels.Ilgpu;
using ILGPU;
using ILGPU.Runtime;

namespace BitNet.Gpu.Backends.Ilgpu;

/// <summary>
/// Logits for a top-k sampler read back as short lists when the output projection runs in full (stored or int8 output
/// layer): <see cref="GpuKernels.TopSelect"/> keeps, per row, the values at or above the row's k-th largest (ties kept),
/// and the step's read copies those pairs instead of every logit (128256 floats, 0.5 MB a row over PCIe on a Llama 3
/// vocabulary). Every other logit reads as −∞, as a screened product promises; the kept ones are the full product's
/// values bit for bit. Rows with more ties than <see cref="TopLists.Capacity"/>, a larger k, or tokens that must stay
/// exact (logit bias, penalties) read every logit.
/// </summary>
public sealed partial class IlgpuBackend
{
    /// <summary>The lists the step's last top-k product left for the first Rows rows of Logits; null: read every value.</summary>
    (IlgpuBuffer Logits, int Rows)? _topListRead;
    int[] _hostTopLists = [];

    /// <summary>Logit reads that took the short lists (tests).</summary>
    internal int TopListReads { get; private set; }

    /// <summary>Queues the lists of the first <paramref name="rows"/> rows of <paramref name="logits"/>, when the step's
    /// samplers allow them (<see cref="TopLists.SharedK"/>).</summary>
    void SelectTopRows(IlgpuBuffer logits, int rows, ReadOnlySpan<int> topK, IReadOnlyList<ReadOnlyMemory<int>> alwaysExact)
    {
        int k = TopLists.SharedK(rows, logits.Cols, topK, alwaysExact);
        if (k == 0) return;
        var lists = _topLists.Get((long)rows * TopLists.Ints);
        _kernels.TopSelect(_stream, new KernelConfig(new Index3D(rows, 1, 1), Group1D), logits.Values.View, lists, logits.Cols, k, TopLists.Capacity);
        _topListRead = (logits, rows);
    }

    /// <summary>Reads the step's lists into <paramref name="destination"/> (−∞ elsewhere); false when a row overflowed
    /// its list, and every logit must be read instead.</summary>
    bool TryReadTopLists(IlgpuBuffer logits, int rows, Span<float> destination)
    {
        int ints = rows * TopLists.Ints;
        if (_hostTopLists.Length < ints) _hostTopLists = new int[ints];
        // −∞ everywhere while the device still runs the step, so that after the wait only the listed logits are written
        // (a list that overflowed has every logit read over it instead).
        destination[..(rows * logits.Cols)].Fill(float.NegativeInfinity);
        WaitForDevice();
        _topLists.Get(ints).CopyToCPU(_stream, _hostTopLists.AsSpan(0, ints));
        _stream.Synchronize();
        if (!TopLists.TryScatter(_hostTopLists.AsSpan(0, ints), rows, logits.Cols, destination, destinationIsNegativeInfinity: true)) return false;
        TopListReads++;
        return true;
    }
}
