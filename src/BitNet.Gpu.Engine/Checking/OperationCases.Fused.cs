using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Model.Architectures;
using BitNet.Gpu.Model.Formats;

namespace BitNet.Gpu.Engine.Checking;

/// <summary>
/// The fused operations (<see cref="IComputeBackend.AddNormQuantize"/>, <see cref="IComputeBackend.GateNormQuantize"/>,
/// <see cref="IComputeBackend.RopeAttention"/>), each against the reference's composition of the plain operations.
/// A norm followed by int8 quantization is checked twice: its float outputs to the float tolerance, and its int8 values
/// exactly with the scales to 1e-6 × 127 (a float-order difference in the norm moves a scale by an ulp or two).
/// </summary>
public sealed partial class OperationCases
{
    const double Int8Tolerance = 1e-6;

    IEnumerable<OperationCase> FusedCases()
    {
        foreach (bool int8 in new[] { false, true })
        {
            yield return AddNormQuantize(3, 333, residual: true, norm: true, int8);
            yield return AddNormQuantize(2, 2560, residual: true, norm: true, int8);
            yield return AddNormQuantize(3, 200, residual: false, norm: true, int8);
            yield return AddNormQuantize(2, 300, residual: false, norm: false, int8);
            yield return AddNormQuantize(2, 300, residual: true, norm: false, int8);
            yield return GateNormQuantize(GateActivation.ReluSquared, 3, 300, norm: true, int8);
            yield return GateNormQuantize(GateActivation.ReluSquared, 1, 6912, norm: true, int8);
            yield return GateNormQuantize(GateActivation.Silu, 2, 300, norm: false, int8);
        }
        foreach (var cache in new[] { KvCacheType.F32, KvCacheType.F16 })
        {
            yield return RopeAttention(4, 2, 32, 32, RopeStyle.Neox, cache);
            yield return RopeAttention(20, 5, 128, 128, RopeStyle.Neox, cache);
            yield return RopeAttention(3, 3, 64, 32, RopeStyle.Interleaved, cache);   // half of each head rotated
            yield return RopeAttentionMixed(4, 2, 32, cache);
        }
    }

    /// <summary>The row values the fused norm cases start from: x, and what is added to it or multiplied with it.</summary>
    (float[] X, float[] Other) NormInputs(int rows, int cols, int seed) =>
        (RandomValues(_seed + seed, rows * cols, 3f), RandomValues(_seed + seed + 1, rows * cols, 2f));

    static float[] Int8Outputs(IComputeBackend b, DeviceBuffer quantized, int rows, int cols)
    {
        var values = new sbyte[rows * cols];
        var scales = new float[rows];
        b.ReadQuantized(quantized, rows, values, scales);
        return [.. values.Select(v => (float)v), .. scales];
    }

    // x += residual;  h = RmsNorm(x) · w;  q = Quantize(h)   (float outputs: x and h; int8 outputs: q and its scales)
    OperationCase AddNormQuantize(int rows, int cols, bool residual, bool norm, bool int8) =>
        new("add_norm_quantize", $"{rows}×{cols}{(residual ? " + residual" : "")}{(norm ? ", normed" : ", not normed")}{(int8 ? ", int8" : "")}", b =>
        {
            using var weights = new RandomWeightFile(seed: _seed + 60);
            string name = weights.AddDense("norm.weight", GgmlType.F32, 1, cols, scale: 0.2f, offset: 1f, asVector: true);
            var (x, other) = NormInputs(rows, cols, 61);
            using var w = norm ? b.UploadVector(weights.File, weights[name]) : null;
            using var input = Input(b, rows, cols, x);
            using var added = residual ? Input(b, rows, cols, other) : null;
            using var normed = Poisoned(b, rows, cols);
            using var quantized = b.AllocateQuantized(rows, cols);
            b.BeginStep(new int[rows], 0);
            b.AddNormQuantize(input, added, w, normed, quantized, rows, 1e-5f);
            if (int8) return Int8Outputs(b, quantized, rows, cols);
            return norm ? [.. ReadAll(b, input, rows), .. ReadAll(b, normed, rows)] : ReadAll(b, input, rows);
        }, int8 ? Int8Tolerance : FloatTolerance);

    // g = act(gate) · up;  h = RmsNorm(g) · w (when normed);  q = Quantize(h)   (float output: h, written over gate)
    OperationCase GateNormQuantize(GateActivation activation, int rows, int cols, bool norm, bool int8) =>
        new("gate_norm_quantize", $"{activation} {rows}×{cols}{(norm ? ", normed" : ", not normed")}{(int8 ? ", int8" : "")}", b =>
        {
            using var weights = new RandomWeightFile(seed: _seed + 63);
            string name = weights.AddDense("ffn_sub_norm.weight", GgmlType.F32, 1, cols, scale: 0.2f, offset: 1f, asVector: true);
            var (gate, up) = NormInputs(rows, cols, 64);
            using var w = norm ? b.UploadVector(weights.File, weights[name]) : null;
            using var g = Input(b, rows, cols, gate);
            using var u = Input(b, rows, cols, up);
            using var quantized = b.AllocateQuantized(rows, cols);
            b.BeginStep(new int[rows], 0);
            b.GateNormQuantize(g, u, activation, w, quantized, rows, 1e-5f);
            return int8 ? Int8Outputs(b, quantized, rows, cols) : ReadAll(b, g, rows);
        }, int8 ? Int8Tolerance : FloatTolerance);

    /// <summary>Steps of one sequence (a prompt, a generated token, a second batch): the attention output, then the
    /// rotated queries and keys of each step.</summary>
    OperationCase RopeAttention(int heads, int kvHeads, int headDim, int ropeDims, RopeStyle style, KvCacheType cacheType) =>
        new("rope_attention", $"{style} {heads}/{kvHeads} heads × {headDim} (rotating {ropeDims}), {cacheType.Name()} cache, steps of 5+1+3", b =>
        {
            int[] steps = [5, 1, 3];
            using var cache = b.AllocateKvCache(layers: 2, contextLength: steps.Sum() + 3, kvHeads, headDim, cacheType);
            var outputs = new List<float>();
            int position = 0, seed = _seed + 70;
            foreach (int n in steps)
            {
                b.BeginStep(new int[n], position);
                outputs.AddRange(RopeAttentionStep(b, cache, n, heads, kvHeads, headDim, ropeDims, style, ref seed));
                position += n;
            }
            return outputs.ToArray();
        }, FloatTolerance, CacheType: cacheType);

    /// <summary>Sequences mixed in each step as a scheduler mixes them; each token rotated at and attending from its own place.</summary>
    OperationCase RopeAttentionMixed(int heads, int kvHeads, int headDim, KvCacheType cacheType) =>
        new("rope_attention", $"Neox {heads}/{kvHeads} heads × {headDim}, {cacheType.Name()} cache, 3 sequences mixed in each step", b =>
        {
            (int, int, int)[][] steps = [[(0, 0, 4), (2, 0, 2)], [(0, 4, 1), (1, 0, 3), (2, 2, 1)], [(1, 3, 1), (0, 5, 1)]];
            using var cache = b.AllocateKvCache(layers: 2, sequences: 3, contextLength: 8, kvHeads, headDim, cacheType);
            var outputs = new List<float>();
            int seed = _seed + 80;
            foreach (var runs in steps)
            {
                b.BeginStep(Step(runs));
                outputs.AddRange(RopeAttentionStep(b, cache, runs.Sum(r => r.Item3), heads, kvHeads, headDim, headDim, RopeStyle.Neox, ref seed));
            }
            return outputs.ToArray();
        }, FloatTolerance, ManySequences: true, CacheType: cacheType);

    float[] RopeAttentionStep(IComputeBackend b, KvCache cache, int n, int heads, int kvHeads, int headDim, int ropeDims, RopeStyle style, ref int seed)
    {
        using var q = Input(b, n, heads * headDim, RandomValues(seed++, n * heads * headDim));
        using var k = Input(b, n, kvHeads * headDim, RandomValues(seed++, n * kvHeads * headDim));
        using var v = Input(b, n, kvHeads * headDim, RandomValues(seed++, n * kvHeads * headDim));
        using var output = Poisoned(b, n, heads * headDim);
        b.RopeAttention(q, k, v, cache, layer: 1, output, n, heads, kvHeads, headDim, ropeDims, 500000f, style);
        return [.. ReadAll(b, output, n), .. ReadAll(b, q, n), .. ReadAll(b, k, n)];
    }
}
