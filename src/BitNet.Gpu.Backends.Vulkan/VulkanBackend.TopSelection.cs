using System.Runtime.InteropServices;
using BitNet.Gpu.Engine.Backends;

namespace BitNet.Gpu.Backends.Vulkan;

/// <summary>
/// Logits for a top-k sampler read back as a short list when the output projection runs in full on the device (stored
/// or int8 output layer, <see cref="DenseMatMulTopRows"/>):
/// <c>top_select</c> keeps, per row, the values at or above the row's k-th largest (ties kept), and the read that ends
/// the step copies those pairs instead of every logit (128256 floats, 0.5 MB a row on a Llama 3 vocabulary). Every
/// other logit reads as −∞, as a screened product promises; the kept ones are the full product's values bit for bit.
/// Rows with more than <see cref="TopLists.Capacity"/> ties, a k above it, or tokens that must stay exact (logit bias,
/// penalties) read every logit as before.
/// </summary>
public sealed partial class VulkanBackend
{
    /// <summary>How the step's logits are read: every value (null), or the lists of its top-k products.</summary>
    TopListRead? _topListRead;
    GpuBuffer? _topLists;
    int[] _hostTopLists = [];

    /// <summary>The lists <c>top_select</c> wrote for the first <paramref name="Rows"/> rows of <paramref name="Logits"/>.</summary>
    internal sealed record TopListRead(VulkanActivations Logits, int Rows, GpuBuffer Lists);

    /// <summary>Logit reads that took the short lists (tests).</summary>
    internal int TopListReads { get; private set; }

    /// <summary>Queues the lists of the first <paramref name="rows"/> rows of <paramref name="logits"/>, when the step's
    /// samplers allow them (<see cref="TopLists.SharedK"/>).</summary>
    void SelectTopRows(VulkanActivations logits, int rows, ReadOnlySpan<int> topK, IReadOnlyList<ReadOnlyMemory<int>> alwaysExact)
    {
        int k = TopLists.SharedK(rows, logits.Cols, topK, alwaysExact);
        if (k > 0) SelectTopRows(logits, rows, k);
    }

    /// <summary>Queues <c>top_select</c> over the first <paramref name="rows"/> rows of <paramref name="logits"/>; the
    /// step's read then takes the lists.</summary>
    void SelectTopRows(VulkanActivations logits, int rows, int k)
    {
        long listBytes = TopLists.Ints * 4L;
        if (_topLists is null || _topLists.Size < rows * listBytes)
        {
            if (_topLists is not null) _stream.DisposeAfterWait(_topLists);
            _topLists = new GpuBuffer(_context, Math.Max(rows, 8) * listBytes, hostVisible: false);
        }
        foreach (var group in RowRange.Split(rows, [logits.RowBytes, listBytes], _context.MaxBindingBytes, _context.OffsetAlignment))
            _stream.Dispatch(_kernels.TopSelect, [logits.RowsWindow(group.First, group.Count), _topLists.Window(group.First * listBytes, group.Count * listBytes)],
                [(uint)logits.Cols, (uint)k, TopLists.Capacity], (uint)group.Count);
        _topListRead = new TopListRead(logits, rows, _topLists);
    }

    /// <summary>Reads the step's lists into <paramref name="destination"/> (−∞ elsewhere); false when a row overflowed
    /// its list, and every logit must be read instead.</summary>
    unsafe bool TryReadTopLists(TopListRead read, Span<float> destination)
    {
        int ints = read.Rows * TopLists.Ints;
        if (_hostTopLists.Length < ints) _hostTopLists = new int[ints];
        var lists = _hostTopLists.AsSpan(0, ints);
        int count = read.Rows * read.Logits.Cols;
        fixed (float* pinned = destination)
        {
            // −∞ everywhere while the device runs, so that after the wait only the listed logits are written (a list that
            // overflowed has every logit read over it instead).
            nint target = (nint)pinned;
            _stream.Download(read.Lists, 0, MemoryMarshal.AsBytes(lists),
                whileDeviceRuns: () => new Span<float>((float*)target, count).Fill(float.NegativeInfinity));
        }
        if (!TopLists.TryScatter(lists, read.Rows, read.Logits.Cols, destination, destinationIsNegativeInfinity: true)) return false;
        TopListReads++;
        return true;
    }
}
