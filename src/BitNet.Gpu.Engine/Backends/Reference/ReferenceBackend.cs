using BitNet.Gpu.Model.Architectures;
using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Model.Gguf;

namespace BitNet.Gpu.Engine.Backends.Reference;

/// <summary>
/// Plain, readable code straight from the math, with double accumulation: the oracle every fast backend is
/// checked against. Ternary weights are unpacked to one sbyte per weight and activations are quantized exactly
/// as bitnet.cpp does, so the only difference from a fast backend is float rounding. Slow; for tests and small models.
/// </summary>
public sealed class ReferenceBackend : IComputeBackend
{
    ReferenceStep _step = new([], [], []);

    public string Name => "reference";
    // One thread whatever --threads says: said here so that run's and bench's device lines show it.
    public string DeviceDescription => "host (plain C#, 1 thread, for checking)";

    public DeviceWeight UploadTernary(GgufFile file, GgufTensorInfo tensor)
    {
        var (values, scales, blockSize) = TernaryValues.Unpack(tensor.Type, file.GetTensorBytes(tensor), tensor.ElementCount);
        return new ReferenceWeight
        {
            Name = tensor.Name, Rows = (int)tensor.Rows, Cols = (int)tensor.Columns, ByteSize = values.Length,
            Ternary = values, BlockScales = scales, BlockSize = blockSize,
        };
    }

    public DeviceWeight UploadDense(GgufFile file, GgufTensorInfo tensor)
    {
        var values = new float[tensor.ElementCount];
        Dequantize.ToFloat(tensor.Type, file.GetTensorBytes(tensor), values);
        return new ReferenceWeight { Name = tensor.Name, Rows = (int)tensor.Rows, Cols = (int)tensor.Columns, ByteSize = values.Length * 4L, Dense = values };
    }

    public DeviceWeight UploadVector(GgufFile file, GgufTensorInfo tensor) => UploadDense(file, tensor);

    public DeviceBuffer AllocateActivations(int rows, int cols) => new ReferenceBuffer(rows, cols);
    public DeviceBuffer AllocateQuantized(int rows, int cols) => new ReferenceBuffer(rows, cols);

    public IReadOnlyList<KvCacheType> KvCacheTypes => [KvCacheType.F32, KvCacheType.F16];

    public KvCache AllocateKvCache(int layers, int sequences, int contextLength, int keyValueHeads, int headDim, KvCacheType type) =>
        new ReferenceKvCache(layers, sequences, contextLength, keyValueHeads, headDim, type);

    public void BeginStep(StepTokens step) =>
        _step = new ReferenceStep(step.Tokens.ToArray(), step.Sequences.ToArray(), step.Positions.ToArray());

    public void Embed(DeviceWeight table, DeviceBuffer output, int tokenCount)
    {
        var w = (ReferenceWeight)table;
        var y = (ReferenceBuffer)output;
        for (int t = 0; t < tokenCount; t++)
            w.Dense.AsSpan(_step.Tokens[t] * w.Cols, w.Cols).CopyTo(y.Row(t));
    }

    public void RmsNorm(DeviceBuffer x, DeviceWeight weight, DeviceBuffer y, int tokenCount, float epsilon)
    {
        var w = ((ReferenceWeight)weight).Dense!;
        for (int t = 0; t < tokenCount; t++)
        {
            var input = ((ReferenceBuffer)x).Row(t);
            var output = ((ReferenceBuffer)y).Row(t);
            double sumOfSquares = 0;
            foreach (float v in input) sumOfSquares += (double)v * v;
            double inverseRms = 1.0 / Math.Sqrt(sumOfSquares / input.Length + epsilon);
            for (int i = 0; i < input.Length; i++)
                output[i] = (float)(input[i] * inverseRms * w[i]);
        }
    }

    public void QuantizeActivations(DeviceBuffer x, DeviceBuffer quantized, int tokenCount)
    {
        var input = (ReferenceBuffer)x;
        var output = (ReferenceBuffer)quantized;
        for (int t = 0; t < tokenCount; t++)
            output.Scales[t] = QuantizeRow(input.Row(t), output.QuantizedRow(t));
    }

    /// <summary>bitnet.cpp's per-token int8 quantization, in float32 as it computes it: q = clamp(round(x · 127/max|x|)).</summary>
    public static float QuantizeRow(ReadOnlySpan<float> x, Span<sbyte> q)
    {
        float max = 0;
        foreach (float v in x) max = Math.Max(max, Math.Abs(v));
        float scale = 127f / Math.Max(max, 1e-5f);
        for (int i = 0; i < x.Length; i++)
            q[i] = (sbyte)Math.Clamp(MathF.Round(x[i] * scale, MidpointRounding.ToEven), -128f, 127f);
        return scale;
    }

    public void TernaryMatMul(DeviceWeight weight, DeviceBuffer quantized, DeviceBuffer y, int tokenCount)
    {
        var w = (ReferenceWeight)weight;
        var q = (ReferenceBuffer)quantized;
        for (int t = 0; t < tokenCount; t++)
        {
            var x = q.QuantizedRow(t);
            var output = ((ReferenceBuffer)y).Row(t);
            for (int r = 0; r < w.Rows; r++)
            {
                // Σ over scale blocks of blockScale × (integer Σ t·q), then undo the activation scale.
                double sum = 0;
                for (int c0 = 0; c0 < w.Cols; c0 += Math.Min(w.BlockSize, w.Cols))
                {
                    long dot = 0;
                    int blockEnd = Math.Min(w.Cols, c0 + w.BlockSize);
                    for (int c = c0; c < blockEnd; c++) dot += w.Ternary![(long)r * w.Cols + c] * x[c];
                    sum += dot * (double)w.BlockScales![((long)r * w.Cols + c0) / w.BlockSize];
                }
                output[r] = (float)(sum / q.Scales[t]);
            }
        }
    }

    public void DenseMatMul(DeviceWeight weight, DeviceBuffer x, DeviceBuffer y, int tokenCount)
    {
        var w = (ReferenceWeight)weight;
        for (int t = 0; t < tokenCount; t++)
        {
            var input = ((ReferenceBuffer)x).Row(t);
            var output = ((ReferenceBuffer)y).Row(t);
            for (int r = 0; r < w.Rows; r++)
            {
                double sum = 0;
                for (int c = 0; c < w.Cols; c++) sum += (double)w.Dense![(long)r * w.Cols + c] * input[c];
                output[r] = (float)sum;
            }
        }
    }

    public void Rope(DeviceBuffer x, int tokenCount, int heads, int headDim, int ropeDims, float freqBase, RopeStyle style)
    {
        for (int t = 0; t < tokenCount; t++)
        {
            int position = _step.Positions[t];
            var row = ((ReferenceBuffer)x).Row(t);
            for (int h = 0; h < heads; h++)
                RotateHead(row.Slice(h * headDim, headDim), position, ropeDims, freqBase, style);
        }
    }

    // (a, b) -> (a cos θ - b sin θ, a sin θ + b cos θ) with θ_i = position · base^(-2i/ropeDims)
    static void RotateHead(Span<float> head, int position, int ropeDims, float freqBase, RopeStyle style)
    {
        int half = ropeDims / 2;
        for (int i = 0; i < half; i++)
        {
            double theta = position * Math.Pow(freqBase, -2.0 * i / ropeDims);
            var (sin, cos) = Math.SinCos(theta);
            int a = style == RopeStyle.Neox ? i : 2 * i;
            int b = style == RopeStyle.Neox ? i + half : 2 * i + 1;
            double x0 = head[a], x1 = head[b];
            head[a] = (float)(x0 * cos - x1 * sin);
            head[b] = (float)(x0 * sin + x1 * cos);
        }
    }

    public void Attention(DeviceBuffer q, DeviceBuffer k, DeviceBuffer v, KvCache cache, int layer, DeviceBuffer output,
                          int tokenCount, int heads, int keyValueHeads, int headDim)
    {
        var c = (ReferenceKvCache)cache;
        int kvWidth = keyValueHeads * headDim;
        for (int t = 0; t < tokenCount; t++)
        {
            long row = c.Row(_step.Sequences[t], _step.Positions[t]);
            c.Store(((ReferenceBuffer)k).Row(t), c.Keys[layer].AsSpan((int)(row * kvWidth), kvWidth));
            c.Store(((ReferenceBuffer)v).Row(t), c.Values[layer].AsSpan((int)(row * kvWidth), kvWidth));
        }
        for (int t = 0; t < tokenCount; t++)
        {
            int firstRow = c.Row(_step.Sequences[t], 0); // the sequence's own history only
            for (int h = 0; h < heads; h++)
            {
                int kvHead = h / (heads / keyValueHeads);
                var query = ((ReferenceBuffer)q).Row(t).Slice(h * headDim, headDim);
                var result = ((ReferenceBuffer)output).Row(t).Slice(h * headDim, headDim);
                var keys = c.Keys[layer].AsSpan(firstRow * kvWidth, c.ContextLength * kvWidth);
                var values = c.Values[layer].AsSpan(firstRow * kvWidth, c.ContextLength * kvWidth);
                AttendOneHead(query, keys, values, kvHead * headDim, kvWidth, _step.Positions[t] + 1, result);
            }
        }
    }

    // out = Σ_p softmax_p(q·k_p / sqrt(d)) v_p over positions p < length
    static void AttendOneHead(ReadOnlySpan<float> query, ReadOnlySpan<float> keys, ReadOnlySpan<float> values, int headOffset, int kvWidth, int length, Span<float> result)
    {
        int d = query.Length;
        var scores = new double[length];
        for (int p = 0; p < length; p++)
        {
            double dot = 0;
            for (int i = 0; i < d; i++) dot += (double)query[i] * keys[p * kvWidth + headOffset + i];
            scores[p] = dot / Math.Sqrt(d);
        }
        double max = scores.Max(), total = 0;
        for (int p = 0; p < length; p++) total += scores[p] = Math.Exp(scores[p] - max);
        for (int i = 0; i < d; i++)
        {
            double sum = 0;
            for (int p = 0; p < length; p++) sum += scores[p] / total * values[p * kvWidth + headOffset + i];
            result[i] = (float)sum;
        }
    }

    public void GateActivation(DeviceBuffer gate, DeviceBuffer up, int tokenCount, GateActivation activation)
    {
        for (int t = 0; t < tokenCount; t++)
        {
            var g = ((ReferenceBuffer)gate).Row(t);
            var u = ((ReferenceBuffer)up).Row(t);
            for (int i = 0; i < g.Length; i++)
            {
                double x = g[i];
                double act = activation == Model.Architectures.GateActivation.ReluSquared
                    ? Math.Max(x, 0) * Math.Max(x, 0)
                    : x / (1 + Math.Exp(-x));
                g[i] = (float)(act * u[i]);
            }
        }
    }

    public void Add(DeviceBuffer x, DeviceBuffer y, int tokenCount)
    {
        for (int t = 0; t < tokenCount; t++)
        {
            var a = ((ReferenceBuffer)x).Row(t);
            var b = ((ReferenceBuffer)y).Row(t);
            for (int i = 0; i < a.Length; i++) a[i] += b[i];
        }
    }

    public void CopyRow(DeviceBuffer source, int sourceRow, DeviceBuffer destination, int destinationRow) =>
        ((ReferenceBuffer)source).Row(sourceRow).CopyTo(((ReferenceBuffer)destination).Row(destinationRow));

    public void Write(DeviceBuffer buffer, int rows, ReadOnlySpan<float> values) =>
        values[..(rows * buffer.Cols)].CopyTo(((ReferenceBuffer)buffer).Values);

    public void Read(DeviceBuffer buffer, int rows, Span<float> destination) =>
        ((ReferenceBuffer)buffer).Values.AsSpan(0, rows * buffer.Cols).CopyTo(destination);

    public void ReadQuantized(DeviceBuffer quantized, int rows, Span<sbyte> values, Span<float> scales)
    {
        var q = (ReferenceBuffer)quantized;
        q.Quantized.AsSpan(0, rows * q.Cols).CopyTo(values);
        q.Scales.AsSpan(0, rows).CopyTo(scales);
    }

    public void Dispose() { }

    sealed record ReferenceStep(int[] Tokens, int[] Sequences, int[] Positions);
}
