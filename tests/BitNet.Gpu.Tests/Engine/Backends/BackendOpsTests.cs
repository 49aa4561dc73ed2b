using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Engine.Backends.Reference;
using BitNet.Gpu.Model.Architectures;
using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Engine.Backends;

/// <summary>
/// The one op-level test suite every fast backend runs (CPU, ILGPU, Vulkan): each operation on seeded random
/// inputs with odd shapes, compared with the reference backend. Output buffers are poisoned with NaN first, so an
/// element a kernel never writes fails the comparison. A backend's test class derives from this and supplies the backend.
/// Tolerance: max |actual - expected| ≤ Tolerance × max |expected| per op (integer ternary sums are exact, so
/// the ternary product's only error is float scaling).
/// </summary>
public abstract class BackendOpsTests : IDisposable
{
    readonly ReferenceBackend _reference = new();
    readonly Lazy<IComputeBackend> _backend;

    protected BackendOpsTests() => _backend = new Lazy<IComputeBackend>(CreateBackend);

    protected abstract IComputeBackend CreateBackend();

    /// <summary>Why this backend cannot run here (no device or driver), or null: the tests then skip with this reason.</summary>
    protected virtual string? SkipReason => null;

    /// <summary>Why this backend cannot yet run several sequences in one step, or null (the mixed-batch cases then skip).</summary>
    protected virtual string? ManySequencesSkipReason => null;

    IComputeBackend BatchingBackend
    {
        get
        {
            Skip.If(ManySequencesSkipReason is not null, ManySequencesSkipReason);
            return Backend;
        }
    }

    /// <summary>Relative tolerance for float ops (sums in another order).</summary>
    protected virtual double Tolerance => 1e-4;

    /// <summary>The dense product's tolerance for a weight type: <see cref="Tolerance"/> unless a backend rounds its input.</summary>
    protected virtual double DenseTolerance(GgmlType type) => Tolerance;

    IComputeBackend Backend
    {
        get
        {
            Skip.If(SkipReason is not null, SkipReason);
            return _backend.Value;
        }
    }

    public void Dispose()
    {
        if (_backend.IsValueCreated) _backend.Value.Dispose();
        _reference.Dispose();
    }

    // ---- helpers ----

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

    /// <summary>Runs <paramref name="op"/> on the reference and on the backend under test and compares the outputs.</summary>
    void Compare(Func<IComputeBackend, float[]> op, double tolerance, string what)
    {
        var backend = Backend; // skips first where the backend cannot run
        var expected = op(_reference);
        var actual = op(backend);
        AssertClose(expected, actual, tolerance, what);
    }

    internal static void AssertClose(float[] expected, float[] actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = expected.Max(v => Math.Abs((double)v));
        Assert.True(scale > 0 && double.IsFinite(scale), $"{what}: the expected values are all zero or not finite");
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.False(float.IsNaN(actual[i]), $"{what}: element {i} was not written (NaN)");
            double error = Math.Abs(expected[i] - (double)actual[i]);
            Assert.True(error <= tolerance * scale, $"{what}: element {i} is {actual[i]}, expected {expected[i]} (error {error:E2} > {tolerance:E0} × {scale:E2})");
        }
    }

    // ---- operations ----

    [SkippableTheory]
    [InlineData(GgmlType.F32)]
    [InlineData(GgmlType.F16)]
    [InlineData(GgmlType.BF16)]
    [InlineData(GgmlType.Q8_0)]
    [InlineData(GgmlType.Q6_K)]
    [InlineData(GgmlType.Q4_K)]
    public void Embed(GgmlType type)
    {
        using var weights = new WeightFile(seed: 11);
        string name = weights.AddDense("token_embd.weight", type, rows: 37, cols: 256);
        int[] tokens = [5, 0, 36, 5];
        Compare(b =>
        {
            using var table = b.UploadDense(weights.File, weights[name]);
            using var output = Poisoned(b, tokens.Length, 256);
            b.BeginStep(tokens, 0);
            b.Embed(table, output, tokens.Length);
            return ReadAll(b, output, tokens.Length);
        }, 1e-6, $"embed {type}");
    }

    [SkippableTheory]
    [InlineData(3, 200, false)]
    [InlineData(5, 2560, true)]
    public void RmsNorm(int rows, int cols, bool inPlace)
    {
        using var weights = new WeightFile(seed: 12);
        string name = weights.AddDense("norm.weight", GgmlType.F32, 1, cols, scale: 0.2f, offset: 1f, asVector: true);
        var x = RandomValues(13, rows * cols, 3f);
        Compare(b =>
        {
            using var w = b.UploadVector(weights.File, weights[name]);
            using var input = Input(b, rows, cols, x);
            using var output = inPlace ? null : Poisoned(b, rows, cols);
            b.BeginStep(new int[rows], 0);
            b.RmsNorm(input, w, output ?? input, rows, 1e-5f);
            return ReadAll(b, output ?? input, rows);
        }, Tolerance, $"rms_norm {rows}×{cols}");
    }

    [SkippableTheory]
    [InlineData(4, 333)]
    [InlineData(2, 6912)]
    public void QuantizeActivations_MatchesBitNetRuleExactly(int rows, int cols)
    {
        var x = RandomValues(14, rows * cols, 5f);
        // Row 0 holds exact ties: with max|x| = 127 the scale is 1, so 0.5 → 0, 1.5 → 2, -2.5 → -2 (half to even).
        x[0] = 127f; x[1] = 0.5f; x[2] = 1.5f; x[3] = -2.5f; x[4] = -127f;
        (sbyte[] Values, float[] Scales) Run(IComputeBackend b)
        {
            using var input = Input(b, rows, cols, x);
            using var quantized = b.AllocateQuantized(rows, cols);
            b.BeginStep(new int[rows], 0);
            b.QuantizeActivations(input, quantized, rows);
            var values = new sbyte[rows * cols];
            var scales = new float[rows];
            b.ReadQuantized(quantized, rows, values, scales);
            return (values, scales);
        }
        var backend = Backend;
        var expected = Run(_reference);
        var actual = Run(backend);
        Assert.Equal(new sbyte[] { 127, 0, 2, -2, -127 }, expected.Values[..5]);
        Assert.Equal(expected.Scales, actual.Scales);
        Assert.Equal(expected.Values, actual.Values);
    }

    [SkippableTheory]
    [InlineData(GgmlType.I2_S, 67, 384, 1)]
    [InlineData(GgmlType.I2_S, 131, 2560, 5)]
    [InlineData(GgmlType.TQ2_0, 67, 512, 1)]
    [InlineData(GgmlType.TQ2_0, 9, 768, 7)]
    [InlineData(GgmlType.TQ1_0, 33, 768, 1)]
    [InlineData(GgmlType.TQ1_0, 70, 256, 4)]
    public void TernaryMatMul(GgmlType type, int rows, int cols, int tokens)
    {
        using var weights = new WeightFile(seed: 15);
        string name = weights.AddTernary("blk.0.ffn_up.weight", type, rows, cols);
        var x = RandomValues(16, tokens * cols, 2f);
        Compare(b =>
        {
            using var w = b.UploadTernary(weights.File, weights[name]);
            using var input = Input(b, tokens, cols, x);
            using var quantized = b.AllocateQuantized(tokens, cols);
            using var output = Poisoned(b, tokens, rows);
            b.BeginStep(new int[tokens], 0);
            b.QuantizeActivations(input, quantized, tokens);
            b.TernaryMatMul(w, quantized, output, tokens);
            return ReadAll(b, output, tokens);
        }, 1e-5, $"ternary {type} {rows}×{cols} × {tokens} tokens");
    }

    [SkippableTheory]
    [InlineData(GgmlType.I2_S, 1)]
    [InlineData(GgmlType.TQ2_0, 1)]
    [InlineData(GgmlType.I2_S, 3)]
    public void TernaryMatMuls(GgmlType type, int tokens)
    {
        // q/k/v-like: three matrices of different heights sharing one input, as one call.
        const int cols = 512;
        using var weights = new WeightFile(seed: 19);
        string[] names = [weights.AddTernary("blk.0.attn_q.weight", type, 72, cols), weights.AddTernary("blk.0.attn_k.weight", type, 20, cols),
                          weights.AddTernary("blk.0.attn_v.weight", type, 20, cols)];
        var x = RandomValues(20, tokens * cols, 2f);
        Compare(b =>
        {
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
        }, 1e-5, $"ternary {type} q/k/v × {tokens} tokens");
    }

    [SkippableTheory]
    [InlineData(GgmlType.F16, 301, 256, 1)]
    [InlineData(GgmlType.F16, 77, 2560, 3)]
    [InlineData(GgmlType.F32, 50, 96, 2)]
    [InlineData(GgmlType.BF16, 50, 96, 1)]
    [InlineData(GgmlType.Q8_0, 41, 512, 2)]
    [InlineData(GgmlType.Q6_K, 41, 512, 1)]
    [InlineData(GgmlType.Q4_K, 41, 512, 2)]
    public void DenseMatMul(GgmlType type, int rows, int cols, int tokens)
    {
        using var weights = new WeightFile(seed: 17);
        string name = weights.AddDense("output.weight", type, rows, cols, scale: 0.05f);
        var x = RandomValues(18, tokens * cols);
        Compare(b =>
        {
            using var w = b.UploadDense(weights.File, weights[name]);
            using var input = Input(b, tokens, cols, x);
            using var output = Poisoned(b, tokens, rows);
            b.BeginStep(new int[tokens], 0);
            b.DenseMatMul(w, input, output, tokens);
            return ReadAll(b, output, tokens);
        }, DenseTolerance(type), $"dense {type} {rows}×{cols} × {tokens} tokens");
    }

    [SkippableTheory]
    [InlineData(RopeStyle.Neox, 3, 64, 64, 7)]
    [InlineData(RopeStyle.Neox, 5, 128, 128, 4000)]
    [InlineData(RopeStyle.Interleaved, 3, 64, 64, 7)]
    [InlineData(RopeStyle.Interleaved, 2, 64, 32, 100)]
    public void Rope(RopeStyle style, int heads, int headDim, int ropeDims, int startPosition)
    {
        const int tokens = 4;
        var x = RandomValues(19, tokens * heads * headDim);
        Compare(b =>
        {
            using var buffer = Input(b, tokens, heads * headDim, x);
            b.BeginStep(new int[tokens], startPosition);
            b.Rope(buffer, tokens, heads, headDim, ropeDims, 500000f, style);
            return ReadAll(b, buffer, tokens);
        }, Tolerance, $"rope {style} {heads}×{headDim} at {startPosition}");
    }

    [SkippableTheory]
    [InlineData(4, 2, 32, KvCacheType.F32)]
    [InlineData(20, 5, 128, KvCacheType.F32)]
    [InlineData(3, 3, 64, KvCacheType.F32)]
    [InlineData(4, 2, 32, KvCacheType.F16)]
    [InlineData(20, 5, 128, KvCacheType.F16)]
    [InlineData(3, 3, 48, KvCacheType.F16)] // 48: one interleaved run of 32 and a tail of 16 in order
    public void Attention_OverSeveralStepsOfTheCache(int heads, int kvHeads, int headDim, KvCacheType cacheType)
    {
        Skip.IfNot(Backend.KvCacheTypes.Contains(cacheType), $"the {Backend.Name} backend has no {cacheType.Name()} KV cache");
        // Steps of 5, 1 and 3 tokens: prompt, one generated token, a second batch on top of the cache. The reference rounds
        // what it stores to f16 in an f16 cache, so the two agree as closely as with f32.
        int[] stepSizes = [5, 1, 3];
        Compare(b =>
        {
            using var cache = b.AllocateKvCache(layers: 2, contextLength: 16, kvHeads, headDim, cacheType);
            var outputs = new List<float>();
            int position = 0, seed = 20;
            foreach (int n in stepSizes)
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
        }, Tolerance, $"attention {heads}/{kvHeads}×{headDim}");
    }

    [SkippableTheory]
    [InlineData(GateActivation.ReluSquared)]
    [InlineData(GateActivation.Silu)]
    public void GateActivationTimesUp(GateActivation activation)
    {
        const int rows = 3, cols = 300;
        var gate = RandomValues(30, rows * cols, 4f);
        var up = RandomValues(31, rows * cols, 2f);
        Compare(b =>
        {
            using var g = Input(b, rows, cols, gate);
            using var u = Input(b, rows, cols, up);
            b.BeginStep(new int[rows], 0);
            b.GateActivation(g, u, rows, activation);
            return ReadAll(b, g, rows);
        }, Tolerance, $"gate {activation}");
    }

    [SkippableFact]
    public void AddAndCopyRow()
    {
        const int rows = 3, cols = 257;
        var x = RandomValues(32, rows * cols);
        var y = RandomValues(33, rows * cols);
        Compare(b =>
        {
            using var a = Input(b, rows, cols, x);
            using var c = Input(b, rows, cols, y);
            using var last = Poisoned(b, 1, cols);
            b.BeginStep(new int[rows], 0);
            b.Add(a, c, rows);
            b.CopyRow(a, rows - 1, last);
            return [.. ReadAll(b, a, rows), .. ReadAll(b, last, 1)];
        }, 1e-6, "add + copy row");
    }

    // ---- several sequences in one step (continuous batching) ----

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

    [SkippableTheory]
    [InlineData(RopeStyle.Neox)]
    [InlineData(RopeStyle.Interleaved)]
    public void Rope_TokensOfSeveralSequencesAtTheirOwnPositions(RopeStyle style)
    {
        _ = BatchingBackend;
        const int heads = 3, headDim = 64;
        (int, int, int)[] runs = [(2, 7, 3), (0, 0, 1), (5, 4000, 1), (1, 33, 2)];
        int tokens = runs.Sum(r => r.Item3);
        var x = RandomValues(34, tokens * heads * headDim);
        Compare(b =>
        {
            using var buffer = Input(b, tokens, heads * headDim, x);
            b.BeginStep(Step(runs));
            b.Rope(buffer, tokens, heads, headDim, headDim, 500000f, style);
            return ReadAll(b, buffer, tokens);
        }, Tolerance, $"rope {style} over mixed positions");
    }

    /// <summary>
    /// Steps that mix sequences as a scheduler does: prompts of different lengths, a prompt chunk beside generated tokens,
    /// a finished sequence's slot reused by a new prompt while the others go on, one sequence alone, and every slot at once.
    /// Each token must read only its own sequence's keys and values.
    /// </summary>
    [SkippableTheory]
    [InlineData(4, 2, 32, KvCacheType.F32)]
    [InlineData(20, 5, 128, KvCacheType.F32)]
    [InlineData(4, 2, 32, KvCacheType.F16)]
    [InlineData(3, 3, 48, KvCacheType.F16)]
    public void Attention_SeveralSequencesInOneStep(int heads, int kvHeads, int headDim, KvCacheType cacheType)
    {
        Skip.IfNot(BatchingBackend.KvCacheTypes.Contains(cacheType), $"the {Backend.Name} backend has no {cacheType.Name()} KV cache");
        (int, int, int)[][] steps =
        [
            [(0, 0, 5), (2, 0, 3)],                        // two prompts of different lengths
            [(0, 5, 1), (1, 0, 4), (2, 3, 1), (3, 0, 2)],  // generated tokens beside new prompts
            [(1, 4, 1), (0, 0, 3), (2, 4, 1)],             // sequence 0 ended: its slot holds a new prompt
            [(3, 2, 1)],                                   // one sequence alone
            [(0, 3, 1), (1, 5, 1), (2, 5, 1), (3, 3, 1)],  // every slot
            [(2, 6, 10)],                                  // a long chunk to the end of its slot's context
        ];
        Compare(b =>
        {
            using var cache = b.AllocateKvCache(layers: 2, sequences: 4, contextLength: 16, kvHeads, headDim, cacheType);
            var outputs = new List<float>();
            int seed = 40;
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
        }, Tolerance, $"attention over 4 sequences {heads}/{kvHeads}×{headDim} {cacheType.Name()}");
    }

    [SkippableFact]
    public void CopyRow_GathersRowsIntoAnyRow()
    {
        const int rows = 5, cols = 129;
        var x = RandomValues(50, rows * cols);
        Compare(b =>
        {
            using var source = Input(b, rows, cols, x);
            using var gathered = Poisoned(b, 3, cols);
            b.BeginStep(new int[rows], 0);
            b.CopyRow(source, 4, gathered, 0);
            b.CopyRow(source, 1, gathered, 1);
            b.CopyRow(source, 2, gathered, 2);
            return ReadAll(b, gathered, 3);
        }, 0, "gathered rows");
    }
}
