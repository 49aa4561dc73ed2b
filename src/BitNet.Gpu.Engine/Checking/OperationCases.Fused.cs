using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Model.Architectures;
using BitNet.Gpu.Model.Formats;

namespace BitNet.Gpu.Engine.Checking;

/// <summary>
/// The fused operations (<see cref="IComputeBackend.AddNormQuantize"/>, <see cref="IComputeBackend.GateNormQuantize"/>,
/// <see cref="IComputeBackend.SelfAttention"/>), each against the reference's composition of the plain operations.
/// A norm followed by int8 quantization is checked twice: its float outputs to the float tolerance, and its int8 rows as
/// the values they stand for (code / scale) to one code step, 1/127 of the row's largest value: a float-order difference
/// in the norm can move a value that sits on a rounding boundary to the next code (seed 217383 did, on the CPU and on
/// Vulkan), while a wrong code, element or scale is off by more.
/// </summary>
public sealed partial class OperationCases
{
    const double Int8Tolerance = 1.01 / 127; // one code step, with room for the scale's own rounding

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
        yield return TernaryPair(GgmlType.I2_S, 1);
        yield return TernaryPair(GgmlType.TQ2_0, 5);   // a whole tile of four tokens and one more
        foreach (var cache in new[] { KvCacheType.F32, KvCacheType.F16 })
        {
            yield return SelfAttention(new(4, 2, 32, 32, 500000f, RopeStyle.Neox), cache, subNorm: true, int8: false);
            yield return SelfAttention(new(4, 2, 32, 32, 500000f, RopeStyle.Neox), cache, subNorm: true, int8: true);
            yield return SelfAttention(new(20, 5, 128, 128, 500000f, RopeStyle.Neox), cache, subNorm: true, int8: false);
            yield return SelfAttention(new(3, 3, 64, 32, 10000f, RopeStyle.Interleaved), cache, subNorm: false, int8: false);   // half of each head rotated
            yield return SelfAttention(new(3, 3, 64, 32, 10000f, RopeStyle.Interleaved), cache, subNorm: false, int8: true);
            yield return SelfAttentionMixed(new(4, 2, 32, 32, 500000f, RopeStyle.Neox), cache);
        }
    }

    /// <summary>gate/up-like: two matrices sharing one input, as one call (a backend may stack them in one launch).</summary>
    OperationCase TernaryPair(GgmlType type, int tokens) => new("ternary gate/up", $"{type} 37+21×768, {tokens} token{(tokens == 1 ? "" : "s")}", b =>
    {
        const int cols = 768;
        using var weights = new RandomWeightFile(seed: _seed + 66);
        string[] names = [weights.AddTernary("blk.0.ffn_gate.weight", type, 37, cols), weights.AddTernary("blk.0.ffn_up.weight", type, 21, cols)];
        var x = RandomValues(_seed + 67, tokens * cols, 2f);
        var w = names.Select(name => b.UploadTernary(weights.File, weights[name])).ToArray();
        var outputs = w.Select(weight => Poisoned(b, tokens, weight.Rows)).ToArray();
        using var input = Input(b, tokens, cols, x);
        using var quantized = b.AllocateQuantized(tokens, cols);
        b.BeginStep(new int[tokens], 0);
        b.QuantizeActivations(input, quantized, tokens);
        b.TernaryMatMuls(quantized, tokens, [(w[0], outputs[0]), (w[1], outputs[1])]);
        var result = outputs.SelectMany(o => ReadAll(b, o, tokens)).ToArray();
        foreach (var d in w.Concat<IDisposable>(outputs)) d.Dispose();
        return result;
    }, 1e-5);

    /// <summary>The row values the fused norm cases start from: x, and what is added to it or multiplied with it.</summary>
    (float[] X, float[] Other) NormInputs(int rows, int cols, int seed) =>
        (RandomValues(_seed + seed, rows * cols, 3f), RandomValues(_seed + seed + 1, rows * cols, 2f));

    /// <summary>The int8 rows as the values they stand for: code / scale (q ≈ x · scale).</summary>
    static float[] Int8Outputs(IComputeBackend b, DeviceBuffer quantized, int rows, int cols)
    {
        var values = new sbyte[rows * cols];
        var scales = new float[rows];
        b.ReadQuantized(quantized, rows, values, scales);
        return [.. values.Select((v, i) => v / scales[i / cols])];
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

    /// <summary>Steps of one sequence (a prompt, a generated token, a second batch): per step the normed attention output,
    /// then the rotated queries and keys (float outputs), or the quantized output and its scales (int8).</summary>
    OperationCase SelfAttention(AttentionShape shape, KvCacheType cacheType, bool subNorm, bool int8) =>
        new("self_attention", $"{Describe(shape)}, {cacheType.Name()} cache, steps of 5+1+3{(subNorm ? ", sub-norm" : "")}{(int8 ? ", int8" : "")}", b =>
        {
            int[] steps = [5, 1, 3];
            using var cache = b.AllocateKvCache(layers: 2, contextLength: steps.Sum() + 3, shape.KeyValueHeads, shape.HeadDim, cacheType);
            using var weights = new RandomWeightFile(seed: _seed + 69);
            int width = shape.Heads * shape.HeadDim;
            string name = weights.AddDense("attn_sub_norm.weight", GgmlType.F32, 1, width, scale: 0.2f, offset: 1f, asVector: true);
            using var norm = subNorm ? b.UploadVector(weights.File, weights[name]) : null;
            var outputs = new List<float>();
            int position = 0, seed = _seed + 70;
            foreach (int n in steps)
            {
                b.BeginStep(new int[n], position);
                outputs.AddRange(SelfAttentionStep(b, cache, n, shape, norm, int8, ref seed));
                position += n;
            }
            return outputs.ToArray();
        }, int8 ? Int8Tolerance : FloatTolerance, CacheType: cacheType);

    /// <summary>Sequences mixed in each step as a scheduler mixes them; each token rotated at and attending from its own place.</summary>
    OperationCase SelfAttentionMixed(AttentionShape shape, KvCacheType cacheType) =>
        new("self_attention", $"{Describe(shape)}, {cacheType.Name()} cache, 3 sequences mixed in each step", b =>
        {
            (int, int, int)[][] steps = [[(0, 0, 4), (2, 0, 2)], [(0, 4, 1), (1, 0, 3), (2, 2, 1)], [(1, 3, 1), (0, 5, 1)]];
            using var cache = b.AllocateKvCache(layers: 2, sequences: 3, contextLength: 8, shape.KeyValueHeads, shape.HeadDim, cacheType);
            var outputs = new List<float>();
            int seed = _seed + 80;
            foreach (var runs in steps)
            {
                b.BeginStep(Step(runs));
                outputs.AddRange(SelfAttentionStep(b, cache, runs.Sum(r => r.Item3), shape, norm: null, int8: false, ref seed));
            }
            return outputs.ToArray();
        }, FloatTolerance, ManySequences: true, CacheType: cacheType);

    static string Describe(AttentionShape s) =>
        $"{s.RopeStyle} {s.Heads}/{s.KeyValueHeads} heads × {s.HeadDim} (rotating {s.RopeDims})";

    float[] SelfAttentionStep(IComputeBackend b, KvCache cache, int n, AttentionShape shape, DeviceWeight? norm, bool int8, ref int seed)
    {
        int width = shape.Heads * shape.HeadDim, kvWidth = shape.KeyValueHeads * shape.HeadDim;
        using var q = Input(b, n, width, RandomValues(seed++, n * width));
        using var k = Input(b, n, kvWidth, RandomValues(seed++, n * kvWidth));
        using var v = Input(b, n, kvWidth, RandomValues(seed++, n * kvWidth));
        using var output = Poisoned(b, n, width);
        using var quantized = b.AllocateQuantized(n, width);
        b.SelfAttention(q, k, v, cache, layer: 1, shape, output, norm, quantized, n, 1e-5f);
        if (int8) return Int8Outputs(b, quantized, n, width);
        return [.. ReadAll(b, output, n), .. ReadAll(b, q, n), .. ReadAll(b, k, n)];
    }
}
