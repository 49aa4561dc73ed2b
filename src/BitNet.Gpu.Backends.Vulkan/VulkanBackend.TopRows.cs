using BitNet.Gpu.Engine.Backends;

namespace BitNet.Gpu.Backends.Vulkan;

/// <summary>
/// The top-k screen of an F16 output layer (<see cref="OutputLayerType.Screened"/>, as the ILGPU backend's): the int8
/// copy gives every logit an estimate e and a bound b with |e − y| ≤ b (q8_screen.comp, input_slack.comp), read back
/// once per step; the host picks the rows that can be among the top k (<see cref="TopRowScreen"/>), and those are
/// computed from the F16 weights by dense_matmul's own code (dense_matmul_rows), so each equals the full product's
/// float; the rest are −∞. When more than one row in eight survives, every row of that token is computed.
/// A screened step is not kept for replay: the rows it computes depend on the host's choice.
/// </summary>
public sealed partial class VulkanBackend
{
    /// <summary>Rows the last <see cref="DenseMatMulTop"/> or <see cref="DenseMatMulTopRows"/> computed from the F16
    /// weights, summed over its tokens (tests).</summary>
    internal int LastExactRows { get; private set; }

    /// <summary>Whether top-k products with <paramref name="w"/> are screened: opt-in, F16 rows of whole blocks.</summary>
    bool Screens(VulkanDenseWeight w) => _outputType == OutputLayerType.Screened && HasWholeBlocks(w);

    public long DenseMatMulTop(DeviceWeight weight, DeviceBuffer x, DeviceBuffer y, int topK, ReadOnlySpan<int> alwaysExact) =>
        DenseMatMulTopRows(weight, x, y, 1, [topK], [alwaysExact.ToArray()]);

    public long DenseMatMulTopRows(DeviceWeight weight, DeviceBuffer x, DeviceBuffer y, int tokenCount, ReadOnlySpan<int> topK,
                                   IReadOnlyList<ReadOnlyMemory<int>> alwaysExact)
    {
        var w = (VulkanDenseWeight)weight;
        if (topK.Length < tokenCount || alwaysExact.Count < tokenCount)
            throw new ArgumentException($"need a topK and an alwaysExact list for each of {tokenCount} tokens", nameof(topK));
        var input = Activations(x, tokenCount, w.Cols);
        var output = Activations(y, tokenCount, w.Rows);
        if (!Screens(w) || !ScreenFits(w, tokenCount))
        {
            DenseMatMul(weight, x, y, tokenCount);
            LastExactRows = tokenCount * w.Rows;
            SelectTopRows(output, tokenCount, topK, alwaysExact);
            return BytesRead(w);
        }
        RequireStep(tokenCount, nameof(DenseMatMulTopRows));
        _recordings.Abandon();

        var screen = Screen(w, input, tokenCount);
        var lists = new int[tokenCount][];
        for (int t = 0; t < tokenCount; t++)
        {
            var estimates = screen.AsSpan(t * w.Rows, w.Rows);
            var bounds = screen.AsSpan((tokenCount + t) * w.Rows, w.Rows);
            lists[t] = TopRowScreen.Candidates(estimates, bounds, topK[t], alwaysExact[t].Span);
            if (TopRowScreen.NeedsFullProduct(lists[t].Length, w.Rows)) lists[t] = [.. Enumerable.Range(0, w.Rows)];
            else FillNegativeInfinity(output, t);
        }
        long bytes = Int8Copy(w).ByteSize;
        for (int t = 0; t < tokenCount; t++)
        {
            ExactRows(w, input, output, tokenCount, t, lists[t]);
            bytes += (long)lists[t].Length * w.RowBytes;
        }
        LastExactRows = lists.Sum(list => list.Length);
        return bytes;
    }

    /// <summary>Whether the screen's estimates and bounds of every token fit one binding (else the full product runs).</summary>
    bool ScreenFits(VulkanDenseWeight w, int tokenCount) => 2L * tokenCount * w.Rows * 4 <= _context.MaxBindingBytes;

    /// <summary>Estimates (tokens × rows), then bounds (tokens × rows), read back to the host: the step's one wait here.</summary>
    float[] Screen(VulkanDenseWeight w, VulkanActivations input, int tokenCount)
    {
        var weights = Int8Copy(w);
        var (codes, scales) = QuantizeInput(input, new RowRange(0, tokenCount));
        int chunksPerRow = w.Cols / ChunkValues;
        int chunkCount = tokenCount * chunksPerRow;
        var slack = _screenSlack.Window(_stream, chunkCount * 4L);
        var (slackX, slackY) = LinearGroups(chunkCount);
        _stream.Dispatch(_kernels.InputSlack, [input.RowsWindow(0, tokenCount), codes, scales, slack],
            [(uint)chunkCount, BitConverter.SingleToUInt32Bits(TopRowScreen.Gamma(w.Cols))], slackX, slackY);

        long screenBytes = 2L * tokenCount * w.Rows * 4;
        var results = _screenResults.Window(_stream, screenBytes);
        foreach (var chunk in weights.Chunks)
        {
            uint groupsX = (uint)Math.Min(chunk.Count, MaxGroupsPerDimension);
            _stream.Dispatch(_kernels.Q8Screen, [weights.CodesWindow(chunk), weights.ScalesWindow(chunk), codes, scales, slack, results],
                [(uint)chunk.Count, (uint)chunksPerRow, (uint)chunk.First, (uint)w.Rows, (uint)tokenCount],
                groupsX, CeilDiv(chunk.Count, (int)groupsX), TokenGroups(tokenCount));
        }
        return Download<float>(_screenResults.Buffer!, screenBytes / 4);
    }

    float[] _negativeInfinities = [];   // a row of −∞, copied through host memory into the skipped logits

    /// <summary>Queues −∞ into every logit of token <paramref name="token"/> (the listed rows are written after).</summary>
    void FillNegativeInfinity(VulkanActivations output, int token)
    {
        if (_negativeInfinities.Length < output.Cols)
        {
            _negativeInfinities = new float[output.Cols];
            Array.Fill(_negativeInfinities, float.NegativeInfinity);
        }
        var host = _stream.HostData<float>(_negativeInfinities.AsSpan(0, output.Cols));
        _stream.Copy(host.Buffer, host.Offset, output.Values.Handle, token * output.RowBytes, output.RowBytes);
    }

    // y[token, r] = Σ_c w[r, c] · x[token, c]  for each listed row r, summed as dense_matmul sums it
    void ExactRows(VulkanDenseWeight w, VulkanActivations input, VulkanActivations output, int tokenCount, int token, int[] rows)
    {
        if (rows.Length == 0) return;
        var list = _stream.HostData<int>(rows);   // lives until the wait that runs it
        uint groupsX = (uint)Math.Min(rows.Length, MaxGroupsPerDimension);
        foreach (var chunk in w.Chunks)
            _stream.Dispatch(_kernels.DenseMatMulRows, [w.Window(chunk), input.RowsWindow(0, tokenCount), output.RowsWindow(0, tokenCount), list],
                [(uint)chunk.Count, (uint)w.Cols, (uint)chunk.First, (uint)w.Rows, (uint)tokenCount, 1u, (uint)rows.Length, (uint)token],
                groupsX, CeilDiv(rows.Length, (int)groupsX));
    }
}
