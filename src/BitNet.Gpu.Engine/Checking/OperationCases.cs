using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Model.Architectures;
using BitNet.Gpu.Model.Formats;

namespace BitNet.Gpu.Engine.Checking;

/// <summary>
/// Every <see cref="IComputeBackend"/> operation as <see cref="OperationCase"/>s on seeded random inputs: odd shapes that
/// catch tails and padding, and (with <c>modelShapes</c>) the shapes of BitNet b1.58 2B4T (hidden 2560, FFN 6912, 20/5
/// heads of 128). The op test suite and <c>bitnet-gpu check</c> both run these.
/// Tolerances: integer ternary sums are exact, so the ternary product's only error is float scaling (1e-5); float sums in
/// another order 1e-4; copies exactly.
/// </summary>
public sealed partial class OperationCases
{
    const double FloatTolerance = 1e-4;
    readonly int _seed; // added to every case's seeds: 0 for the test suite, fresh for each check run

    OperationCases(int seed) => _seed = seed;

    /// <summary>The cases: odd shapes, and the 2B4T shapes when <paramref name="modelShapes"/> is set; every random input
    /// drawn from <paramref name="seed"/> (the same seed gives the same inputs).</summary>
    public static IReadOnlyList<OperationCase> All(bool modelShapes = false, int seed = 0) => new OperationCases(seed).Build(modelShapes);

    List<OperationCase> Build(bool modelShapes)
    {
        var cases = new List<OperationCase>();
        foreach (var type in new[] { GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q6_K, GgmlType.Q4_K })
            cases.Add(Embed(type));
        cases.Add(RmsNorm(3, 200, inPlace: false));
        cases.Add(RmsNorm(5, 2560, inPlace: true));
        cases.Add(Quantize(4, 333));
        cases.Add(Quantize(2, 6912));
        cases.Add(Ternary(GgmlType.I2_S, 67, 384, 1));
        cases.Add(Ternary(GgmlType.I2_S, 131, 2560, 5));
        cases.Add(Ternary(GgmlType.TQ2_0, 67, 512, 1));
        cases.Add(Ternary(GgmlType.TQ2_0, 9, 768, 7));
        cases.Add(Ternary(GgmlType.TQ1_0, 33, 768, 1));
        cases.Add(Ternary(GgmlType.TQ1_0, 70, 256, 4));
        cases.Add(Ternary(GgmlType.I2_S, 40, 4480, 1));    // 70 16-byte vectors per row: pairs, then a tail, per thread
        cases.Add(Ternary(GgmlType.I2_S, 40, 4480, 6));
        cases.Add(Ternary(GgmlType.TQ2_0, 5, 4608, 1));    // 18 scale blocks per row, 72 vectors
        cases.Add(Ternary(GgmlType.TQ1_0, 6, 4608, 3));
        cases.Add(TernaryShared(GgmlType.I2_S, 1));
        cases.Add(TernaryShared(GgmlType.TQ2_0, 1));
        cases.Add(TernaryShared(GgmlType.I2_S, 3));
        cases.Add(Dense(GgmlType.F16, 301, 256, 1));
        cases.Add(Dense(GgmlType.F16, 77, 2560, 3));
        cases.Add(Dense(GgmlType.F16, 29, 808, 2));    // 101 chunks of eight columns: whole steps of two, then a tail of one
        cases.Add(Dense(GgmlType.F16, 45, 100, 2));    // 100 columns: not a multiple of eight
        cases.Add(Dense(GgmlType.F32, 50, 96, 2));
        cases.Add(Dense(GgmlType.BF16, 50, 96, 1));
        cases.Add(Dense(GgmlType.Q8_0, 41, 512, 2));
        cases.Add(Dense(GgmlType.Q6_K, 41, 512, 1));
        cases.Add(Dense(GgmlType.Q4_K, 41, 512, 2));
        cases.Add(Rope(RopeStyle.Neox, 3, 64, 64, 7));
        cases.Add(Rope(RopeStyle.Neox, 5, 128, 128, 4000));
        cases.Add(Rope(RopeStyle.Interleaved, 3, 64, 64, 7));
        cases.Add(Rope(RopeStyle.Interleaved, 2, 64, 32, 100));
        cases.Add(RopeMixed(RopeStyle.Neox));
        cases.Add(RopeMixed(RopeStyle.Interleaved));
        foreach (var cache in new[] { KvCacheType.F32, KvCacheType.F16 })
        {
            cases.Add(Attention(4, 2, 32, cache));
            cases.Add(Attention(20, 5, 128, cache));
            cases.Add(Attention(3, 3, cache == KvCacheType.F16 ? 48 : 64, cache)); // 48: one interleaved run of 32 and a tail of 16
            cases.Add(AttentionMixed(4, 2, 32, cache));
            cases.Add(AttentionMixed(cache == KvCacheType.F16 ? 3 : 20, cache == KvCacheType.F16 ? 3 : 5, cache == KvCacheType.F16 ? 48 : 128, cache));
        }
        cases.Add(Gate(GateActivation.ReluSquared));
        cases.Add(Gate(GateActivation.Silu));
        cases.Add(AddAndCopyRow());
        cases.Add(GatherRows());
        cases.AddRange(FusedCases());
        if (modelShapes) cases.AddRange(ModelShapes());
        return cases;
    }

    /// <summary>BitNet b1.58 2B4T's shapes: its projections at one token and a prompt tile, its norms, its attention.</summary>
    IEnumerable<OperationCase> ModelShapes()
    {
        yield return RmsNorm(1, 2560, inPlace: true);
        yield return Quantize(1, 6912);
        yield return Ternary(GgmlType.I2_S, 2560, 2560, 1);   // q, o
        yield return Ternary(GgmlType.I2_S, 640, 2560, 1);    // k, v
        yield return Ternary(GgmlType.I2_S, 6912, 2560, 1);   // gate, up
        yield return Ternary(GgmlType.I2_S, 2560, 6912, 1);   // down
        yield return Ternary(GgmlType.I2_S, 2560, 2560, 16);  // a prompt tile
        yield return Ternary(GgmlType.TQ2_0, 6912, 2560, 1);
        yield return Ternary(GgmlType.TQ1_0, 2560, 6912, 1);
        yield return Dense(GgmlType.F16, 4096, 2560, 1);      // a slice of the 128256-row output layer
        yield return Rope(RopeStyle.Neox, 20, 128, 128, 4000);
        yield return Attention(20, 5, 128, KvCacheType.F16, stepSizes: [64, 1, 7]);
        yield return Attention(20, 5, 128, KvCacheType.F32, stepSizes: [64, 1, 7]);
    }

    // ---- inputs ----

    static float[] RandomValues(int seed, int count, float scale = 1f)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = scale * (float)(random.NextDouble() * 2 - 1);
        return values;
    }

    static DeviceBuffer Input(IComputeBackend b, int rows, int cols, float[] values)
    {
        var buffer = b.AllocateActivations(rows, cols);
        b.Write(buffer, rows, values);
        return buffer;
    }

    /// <summary>An output buffer filled with NaN, so an element a kernel never writes shows.</summary>
    static DeviceBuffer Poisoned(IComputeBackend b, int rows, int cols)
    {
        var buffer = b.AllocateActivations(rows, cols);
        b.Write(buffer, rows, Enumerable.Repeat(float.NaN, rows * cols).ToArray());
        return buffer;
    }

    static float[] ReadAll(IComputeBackend b, DeviceBuffer buffer, int rows)
    {
        var values = new float[rows * buffer.Cols];
        b.Read(buffer, rows, values);
        return values;
    }

    /// <summary>A step's tokens as (sequence, first position, count) runs.</summary>
    static StepTokens Step(params (int Sequence, int FirstPosition, int Count)[] runs)
    {
        var sequences = new List<int>();
        var positions = new List<int>();
        foreach (var (sequence, first, count) in runs)
            for (int i = 0; i < count; i++)
            {
                sequences.Add(sequence);
                positions.Add(first + i);
            }
        return new StepTokens(new int[sequences.Count], sequences.ToArray(), positions.ToArray());
    }

    // ---- the operations ----

    OperationCase Embed(GgmlType type) => new("embed", $"{type} 37×256, 4 tokens", b =>
    {
        using var weights = new RandomWeightFile(seed: _seed + 11);
        string name = weights.AddDense("token_embd.weight", type, rows: 37, cols: 256);
        int[] tokens = [5, 0, 36, 5];
        using var table = b.UploadDense(weights.File, weights[name]);
        using var output = Poisoned(b, tokens.Length, 256);
        b.BeginStep(tokens, 0);
        b.Embed(table, output, tokens.Length);
        return ReadAll(b, output, tokens.Length);
    }, 1e-6);

    OperationCase RmsNorm(int rows, int cols, bool inPlace) => new("rms_norm", $"{rows}×{cols}{(inPlace ? " in place" : "")}", b =>
    {
        using var weights = new RandomWeightFile(seed: _seed + 12);
        string name = weights.AddDense("norm.weight", GgmlType.F32, 1, cols, scale: 0.2f, offset: 1f, asVector: true);
        var x = RandomValues(_seed + 13, rows * cols, 3f);
        using var w = b.UploadVector(weights.File, weights[name]);
        using var input = Input(b, rows, cols, x);
        using var output = inPlace ? null : Poisoned(b, rows, cols);
        b.BeginStep(new int[rows], 0);
        b.RmsNorm(input, w, output ?? input, rows, 1e-5f);
        return ReadAll(b, output ?? input, rows);
    }, FloatTolerance);

    /// <summary>int8 values and scales exactly as bitnet.cpp rounds them (row 0 holds exact ties, rounded half to even).</summary>
    OperationCase Quantize(int rows, int cols) => new("quantize", $"{rows}×{cols}", b =>
    {
        var x = RandomValues(_seed + 14, rows * cols, 5f);
        x[0] = 127f; x[1] = 0.5f; x[2] = 1.5f; x[3] = -2.5f; x[4] = -127f;
        using var input = Input(b, rows, cols, x);
        using var quantized = b.AllocateQuantized(rows, cols);
        b.BeginStep(new int[rows], 0);
        b.QuantizeActivations(input, quantized, rows);
        var values = new sbyte[rows * cols];
        var scales = new float[rows];
        b.ReadQuantized(quantized, rows, values, scales);
        return [.. values.Select(v => (float)v), .. scales];
    }, 0);

    OperationCase Ternary(GgmlType type, int rows, int cols, int tokens) => new("ternary", $"{type} {rows}×{cols}, {tokens} token{(tokens == 1 ? "" : "s")}", b =>
    {
        using var weights = new RandomWeightFile(seed: _seed + 15);
        string name = weights.AddTernary("blk.0.ffn_up.weight", type, rows, cols);
        var x = RandomValues(_seed + 16, tokens * cols, 2f);
        using var w = b.UploadTernary(weights.File, weights[name]);
        using var input = Input(b, tokens, cols, x);
        using var quantized = b.AllocateQuantized(tokens, cols);
        using var output = Poisoned(b, tokens, rows);
        b.BeginStep(new int[tokens], 0);
        b.QuantizeActivations(input, quantized, tokens);
        b.TernaryMatMul(w, quantized, output, tokens);
        return ReadAll(b, output, tokens);
    }, 1e-5);

    /// <summary>q/k/v-like: three matrices of different heights sharing one input, as one call.</summary>
    OperationCase TernaryShared(GgmlType type, int tokens) => new("ternary q/k/v", $"{type} 72+20+20×512, {tokens} token{(tokens == 1 ? "" : "s")}", b =>
    {
        const int cols = 512;
        using var weights = new RandomWeightFile(seed: _seed + 19);
        string[] names = [weights.AddTernary("blk.0.attn_q.weight", type, 72, cols), weights.AddTernary("blk.0.attn_k.weight", type, 20, cols),
                          weights.AddTernary("blk.0.attn_v.weight", type, 20, cols)];
        var x = RandomValues(_seed + 20, tokens * cols, 2f);
        var w = names.Select(name => b.UploadTernary(weights.File, weights[name])).ToArray();
        var outputs = w.Select(weight => Poisoned(b, tokens, weight.Rows)).ToArray();
        using var input = Input(b, tokens, cols, x);
        using var quantized = b.AllocateQuantized(tokens, cols);
        b.BeginStep(new int[tokens], 0);
        b.QuantizeActivations(input, quantized, tokens);
        b.TernaryMatMuls(quantized, tokens, [(w[0], outputs[0]), (w[1], outputs[1]), (w[2], outputs[2])]);
        var result = outputs.SelectMany(o => ReadAll(b, o, tokens)).ToArray();
        foreach (var d in w.Concat<IDisposable>(outputs)) d.Dispose();
        return result;
    }, 1e-5);

    OperationCase Dense(GgmlType type, int rows, int cols, int tokens) => new("dense", $"{type} {rows}×{cols}, {tokens} token{(tokens == 1 ? "" : "s")}", b =>
    {
        using var weights = new RandomWeightFile(seed: _seed + 17);
        string name = weights.AddDense("output.weight", type, rows, cols, scale: 0.05f);
        var x = RandomValues(_seed + 18, tokens * cols);
        using var w = b.UploadDense(weights.File, weights[name]);
        using var input = Input(b, tokens, cols, x);
        using var output = Poisoned(b, tokens, rows);
        b.BeginStep(new int[tokens], 0);
        b.DenseMatMul(w, input, output, tokens);
        return ReadAll(b, output, tokens);
    }, FloatTolerance, DenseType: type);

    OperationCase Rope(RopeStyle style, int heads, int headDim, int ropeDims, int startPosition) =>
        new("rope", $"{style} {heads}×{headDim} (rotating {ropeDims}) at {startPosition}, 4 tokens", b =>
        {
            const int tokens = 4;
            var x = RandomValues(_seed + 19, tokens * heads * headDim);
            using var buffer = Input(b, tokens, heads * headDim, x);
            b.BeginStep(new int[tokens], startPosition);
            b.Rope(buffer, tokens, heads, headDim, ropeDims, 500000f, style);
            return ReadAll(b, buffer, tokens);
        }, FloatTolerance);

    OperationCase RopeMixed(RopeStyle style) => new("rope", $"{style} 3×64, 7 tokens of 4 sequences at their own positions", b =>
    {
        const int heads = 3, headDim = 64;
        (int, int, int)[] runs = [(2, 7, 3), (0, 0, 1), (5, 4000, 1), (1, 33, 2)];
        int tokens = runs.Sum(r => r.Item3);
        var x = RandomValues(_seed + 34, tokens * heads * headDim);
        using var buffer = Input(b, tokens, heads * headDim, x);
        b.BeginStep(Step(runs));
        b.Rope(buffer, tokens, heads, headDim, headDim, 500000f, style);
        return ReadAll(b, buffer, tokens);
    }, FloatTolerance, ManySequences: true);

    /// <summary>Steps of one sequence on top of the cache (a prompt, a generated token, a second batch by default).</summary>
    OperationCase Attention(int heads, int kvHeads, int headDim, KvCacheType cacheType, int[]? stepSizes = null)
    {
        int[] steps = stepSizes ?? [5, 1, 3];
        return new("attention", $"{heads}/{kvHeads} heads × {headDim}, {cacheType.Name()} cache, steps of {string.Join("+", steps)}", b =>
        {
            using var cache = b.AllocateKvCache(layers: 2, contextLength: steps.Sum() + 3, kvHeads, headDim, cacheType);
            var outputs = new List<float>();
            int position = 0, seed = _seed + 20;
            foreach (int n in steps)
            {
                using var q = Input(b, n, heads * headDim, RandomValues(seed++, n * heads * headDim));
                using var k = Input(b, n, kvHeads * headDim, RandomValues(seed++, n * kvHeads * headDim));
                using var v = Input(b, n, kvHeads * headDim, RandomValues(seed++, n * kvHeads * headDim));
                using var output = Poisoned(b, n, heads * headDim);
                b.BeginStep(new int[n], position);
                b.Attention(q, k, v, cache, layer: 1, output, n, heads, kvHeads, headDim);
                outputs.AddRange(ReadAll(b, output, n));
                position += n;
            }
            return outputs.ToArray();
        }, FloatTolerance, CacheType: cacheType);
    }

    /// <summary>
    /// Steps that mix sequences as a scheduler does: prompts of different lengths, a prompt chunk beside generated tokens,
    /// a finished sequence's slot reused by a new prompt while the others go on, one sequence alone, every slot at once,
    /// and a long chunk to the end of its slot. Each token must read only its own sequence's keys and values.
    /// </summary>
    OperationCase AttentionMixed(int heads, int kvHeads, int headDim, KvCacheType cacheType) =>
        new("attention", $"{heads}/{kvHeads} heads × {headDim}, {cacheType.Name()} cache, 4 sequences mixed in each step", b =>
        {
            (int, int, int)[][] steps =
            [
                [(0, 0, 5), (2, 0, 3)],
                [(0, 5, 1), (1, 0, 4), (2, 3, 1), (3, 0, 2)],
                [(1, 4, 1), (0, 0, 3), (2, 4, 1)],
                [(3, 2, 1)],
                [(0, 3, 1), (1, 5, 1), (2, 5, 1), (3, 3, 1)],
                [(2, 6, 10)],
            ];
            using var cache = b.AllocateKvCache(layers: 2, sequences: 4, contextLength: 16, kvHeads, headDim, cacheType);
            var outputs = new List<float>();
            int seed = _seed + 40;
            foreach (var runs in steps)
            {
                int n = runs.Sum(r => r.Item3);
                using var q = Input(b, n, heads * headDim, RandomValues(seed++, n * heads * headDim));
                using var k = Input(b, n, kvHeads * headDim, RandomValues(seed++, n * kvHeads * headDim));
                using var v = Input(b, n, kvHeads * headDim, RandomValues(seed++, n * kvHeads * headDim));
                using var output = Poisoned(b, n, heads * headDim);
                b.BeginStep(Step(runs));
                b.Attention(q, k, v, cache, layer: 1, output, n, heads, kvHeads, headDim);
                outputs.AddRange(ReadAll(b, output, n));
            }
            return outputs.ToArray();
        }, FloatTolerance, ManySequences: true, CacheType: cacheType);

    OperationCase Gate(GateActivation activation) => new("gate", $"{activation} 3×300", b =>
    {
        const int rows = 3, cols = 300;
        using var g = Input(b, rows, cols, RandomValues(_seed + 30, rows * cols, 4f));
        using var u = Input(b, rows, cols, RandomValues(_seed + 31, rows * cols, 2f));
        b.BeginStep(new int[rows], 0);
        b.GateActivation(g, u, rows, activation);
        return ReadAll(b, g, rows);
    }, FloatTolerance);

    OperationCase AddAndCopyRow() => new("add + copy_row", "3×257", b =>
    {
        const int rows = 3, cols = 257;
        using var a = Input(b, rows, cols, RandomValues(_seed + 32, rows * cols));
        using var c = Input(b, rows, cols, RandomValues(_seed + 33, rows * cols));
        using var last = Poisoned(b, 1, cols);
        b.BeginStep(new int[rows], 0);
        b.Add(a, c, rows);
        b.CopyRow(a, rows - 1, last);
        return [.. ReadAll(b, a, rows), .. ReadAll(b, last, 1)];
    }, 1e-6);

    OperationCase GatherRows() => new("copy_row", "rows 4, 1, 2 of 5×129 gathered", b =>
    {
        const int rows = 5, cols = 129;
        using var source = Input(b, rows, cols, RandomValues(_seed + 50, rows * cols));
        using var gathered = Poisoned(b, 3, cols);
        b.BeginStep(new int[rows], 0);
        b.CopyRow(source, 4, gathered, 0);
        b.CopyRow(source, 1, gathered, 1);
        b.CopyRow(source, 2, gathered, 2);
        return ReadAll(b, gathered, 3);
    }, 0);
}
