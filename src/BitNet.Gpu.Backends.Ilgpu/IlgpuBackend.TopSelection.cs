using BitNet.Gpu.Kernels.Ilgpu;
using ILGPU;
using ILGPU.Runtime;

namespace BitNet.Gpu.Backends.Ilgpu;

/// <summary>
/// Logits for a top-k sampler read back as short lists when the output projection runs in full (stored or int8 output
/// layer): <see cref="GpuKernels.TopSelect"/> keeps, per row, the values at or above the row's k-th largest (ties kept),
/// and the step's read copies those pairs instead of every logit (128256 floats, 0.5 MB a row over PCIe on a Llama 3
/// vocabulary). Every other logit reads as −∞, as a screened product promises; the kept ones are the full product's
/// values bit for bit. Rows with more ties than <see cref="TopList.Capacity"/>, a larger k, or tokens that must stay
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
    /// samplers allow them: one k for all rows (a row keeping more than its own k still holds every logit its sampler can pick).</summary>
    void SelectTopRows(IlgpuBuffer logits, int rows, ReadOnlySpan<int> topK, IReadOnlyList<ReadOnlyMemory<int>> alwaysExact)
    {
        int largestK = 0;
        for (int t = 0; t < rows; t++)
        {
            if (!alwaysExact[t].IsEmpty) return;
            largestK = Math.Max(largestK, topK[t]);
        }
        if (largestK <= 0 || largestK > TopList.Capacity || largestK >= logits.Cols) return;
        var lists = _topLists.Get((long)rows * TopList.Ints);
        _kernels.TopSelect(_stream, new KernelConfig(new Index3D(rows, 1, 1), Group1D), logits.Values.View, lists, logits.Cols, largestK);
        _topListRead = (logits, rows);
    }

    /// <summary>Reads the step's lists into <paramref name="destination"/> (−∞ elsewhere); false when a row overflowed
    /// its list, and every logit must be read instead.</summary>
    bool TryReadTopLists(IlgpuBuffer logits, int rows, Span<float> destination)
    {
        int ints = rows * TopList.Ints;
        if (_hostTopLists.Length < ints) _hostTopLists = new int[ints];
        WaitForDevice();
        _topLists.Get(ints).CopyToCPU(_stream, _hostTopLists.AsSpan(0, ints));
        _stream.Synchronize();
        var lists = _hostTopLists.AsSpan(0, ints);
        for (int r = 0; r < rows; r++)
            if (lists[r * TopList.Ints] > TopList.Capacity) return false;

        int cols = logits.Cols;
        destination[..(rows * cols)].Fill(float.NegativeInfinity);
        for (int r = 0; r < rows; r++)
        {
            var list = lists.Slice(r * TopList.Ints, TopList.Ints);
            var row = destination.Slice(r * cols, cols);
            for (int i = 0; i < list[0]; i++)
                row[list[2 + 2 * i]] = BitConverter.Int32BitsToSingle(list[3 + 2 * i]);
        }
        TopListReads++;
        return true;
    }
}
