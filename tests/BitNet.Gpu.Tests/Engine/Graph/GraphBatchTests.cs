using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Engine.Graph;
using BitNet.Gpu.Engine.Hosting;
using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Engine.Graph;

/// <summary>
/// Several sequences decoded together (<see cref="TransformerGraph.ForwardBatch"/>) against each sequence decoded alone:
/// the same greedy tokens, and logits within the whole-model tolerance every backend uses
/// (<see cref="GraphNumericsTests.AssertLogitsClose"/>). Requests are admitted into slots as a scheduler does: prompts
/// cut into chunks by the batch size, chunks beside generated tokens, and a finished sequence's slot reused at once.
/// A backend's test class derives from this and names the backend.
/// </summary>
public abstract class GraphBatchTests
{
    protected abstract string Backend { get; }
    protected virtual string? SkipReason => null;
    protected virtual BackendRegistry Registry { get; } = new();
    protected virtual KvCacheType CacheType => KvCacheType.F32;

    /// <summary>Why the bundled model's batch test is left to the synthetic models on this backend (an emulated device
    /// too slow for its 5 requests twice over), or null to run it.</summary>
    protected virtual string? BundledModelSkipReason => null;

    sealed record Request(int[] Prompt, int Generate)
    {
        public List<int> Tokens { get; } = [];
        public List<float[]> Logits { get; } = [];
        public int Slot = -1, Prefilled;
        public bool Done => Tokens.Count == Generate;
    }

    static int Argmax(ReadOnlySpan<float> logits)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }

    static Request[] Requests(int vocab, int seed)
    {
        var random = new Random(seed);
        int[] Prompt(int n) => Enumerable.Range(0, n).Select(_ => random.Next(vocab)).ToArray();
        // 3 slots for 5 requests: the last two wait for a finished one's slot.
        return [new(Prompt(11), 6), new(Prompt(4), 2), new(Prompt(6), 5), new(Prompt(3), 4), new(Prompt(1), 3)];
    }

    /// <summary>Each request alone in a one-sequence graph: prompt, then greedy tokens, one step each.</summary>
    void DecodeAlone(string path, Request request)
    {
        using var model = LoadedModel.Load(path, new LoadOptions { Backend = Backend, ContextLength = 32, BatchSize = 8, CacheType = CacheType }, Registry);
        var logits = new float[model.Graph.VocabSize];
        model.Graph.Forward(request.Prompt, logits);
        while (true)
        {
            request.Logits.Add((float[])logits.Clone());
            request.Tokens.Add(Argmax(logits));
            if (request.Done) return;
            model.Graph.Forward([request.Tokens[^1]], logits);
        }
    }

    /// <summary>All requests through 3 slots, each step carrying every running sequence's next token and then prompt
    /// chunks up to the batch size of 8.</summary>
    void DecodeTogether(string path, Request[] requests)
    {
        using var model = LoadedModel.Load(path, new LoadOptions { Backend = Backend, ContextLength = 32, BatchSize = 8, Parallel = 3, CacheType = CacheType }, Registry);
        var graph = model.Graph;
        var waiting = new Queue<Request>(requests);
        var running = new List<Request>();
        var logits = new float[3 * graph.VocabSize];
        while (waiting.Count > 0 || running.Count > 0)
        {
            for (int slot = 0; slot < graph.Sequences && waiting.Count > 0; slot++)
                if (running.All(r => r.Slot != slot))
                {
                    var admitted = waiting.Dequeue();
                    admitted.Slot = slot;
                    graph.TruncateSequence(slot, 0);
                    running.Add(admitted);
                }

            var chunks = new List<SequenceChunk>();
            var owners = new List<Request>();
            int budget = graph.MaxBatch;
            foreach (var r in running.Where(r => r.Prefilled == r.Prompt.Length)) // generated tokens first
            {
                chunks.Add(new SequenceChunk(r.Slot, new[] { r.Tokens[^1] }, WantsLogits: true));
                owners.Add(r);
                budget--;
            }
            foreach (var r in running.Where(r => r.Prefilled < r.Prompt.Length))
            {
                int take = Math.Min(budget, r.Prompt.Length - r.Prefilled);
                if (take == 0) break;
                bool ends = r.Prefilled + take == r.Prompt.Length;
                chunks.Add(new SequenceChunk(r.Slot, r.Prompt.AsMemory(r.Prefilled, take), ends));
                r.Prefilled += take;
                budget -= take;
                if (ends) owners.Add(r);
            }
            graph.ForwardBatch(chunks.ToArray(), logits);
            for (int i = 0; i < owners.Count; i++)
            {
                var row = logits.AsSpan(i * graph.VocabSize, graph.VocabSize);
                owners[i].Logits.Add(row.ToArray());
                owners[i].Tokens.Add(Argmax(row));
            }
            running.RemoveAll(r => r.Done);
        }
    }

    void AssertSameAsAlone(string path, int seed)
    {
        Skip.If(SkipReason is not null, SkipReason);
        int vocab;
        using (var probe = LoadedModel.Load(path, new LoadOptions { Backend = "reference", ContextLength = 8 }, new BackendRegistry())) vocab = probe.Graph.VocabSize;
        var alone = Requests(vocab, seed);
        var together = Requests(vocab, seed);
        foreach (var request in alone) DecodeAlone(path, request);
        DecodeTogether(path, together);
        for (int r = 0; r < alone.Length; r++)
        {
            Assert.Equal(alone[r].Tokens, together[r].Tokens);
            for (int step = 0; step < alone[r].Logits.Count; step++)
                GraphNumericsTests.AssertLogitsClose(alone[r].Logits[step], together[r].Logits[step], $"{Backend}: request {r}, step {step}");
        }
    }

    [SkippableFact]
    public void BundledModel_SequencesDecodedTogether_MatchEachAlone()
    {
        Skip.If(BundledModelSkipReason is not null, BundledModelSkipReason);
        AssertSameAsAlone(BundledModel.Path, seed: 1);
    }

    [SkippableTheory]
    [InlineData("bitnet-b1.58")]
    [InlineData("bitnet")]
    [InlineData("llama")]
    public void SyntheticModels_SequencesDecodedTogether_MatchEachAlone(string architecture) =>
        AssertSameAsAlone(SyntheticModels.Tiny(architecture, GgmlType.I2_S), seed: 2);

    /// <summary>
    /// Hidden states (what an embedding pools) of a prompt run in two chunks beside another sequence equal the same prompt
    /// run alone in one chunk, and both equal the reference backend's output norm (result_norm, read through
    /// <see cref="TransformerGraph.Inspect"/> on its unfused path), within the whole-model tolerance. The hidden buffer
    /// starts as NaN, so a row left unwritten fails.
    /// </summary>
    [SkippableTheory]
    [InlineData("bitnet-b1.58")]
    [InlineData("llama")]
    public void HiddenStates_InChunksBesideAnotherSequence_MatchAloneAndTheReference(string architecture)
    {
        Skip.If(SkipReason is not null, SkipReason);
        string path = SyntheticModels.Tiny(architecture, GgmlType.I2_S);
        var random = new Random(3);
        int vocab, width;
        float[] reference;
        int[] prompt, other;
        using (var model = LoadedModel.Load(path, new LoadOptions { Backend = "reference", ContextLength = 32 }, new BackendRegistry()))
        {
            (vocab, width) = (model.Graph.VocabSize, model.Graph.EmbeddingLength);
            prompt = Enumerable.Range(0, 9).Select(_ => random.Next(vocab)).ToArray();
            other = Enumerable.Range(0, 5).Select(_ => random.Next(vocab)).ToArray();
            reference = [];
            model.Graph.Inspect = (name, buffer, rows) =>
            {
                if (name != "result_norm") return;
                reference = new float[rows * buffer.Cols];
                model.Backend.Read(buffer, rows, reference);
            };
            model.Graph.Forward(prompt, new float[vocab]);
        }
        Assert.Equal(prompt.Length * width, reference.Length);

        float[] Poisoned(int rows) => Enumerable.Repeat(float.NaN, rows * width).ToArray();
        var alone = Poisoned(prompt.Length);
        using (var model = LoadedModel.Load(path, new LoadOptions { Backend = Backend, ContextLength = 32, BatchSize = 16, CacheType = CacheType }, Registry))
            model.Graph.ForwardBatch([new SequenceChunk(0, prompt, WantsLogits: false) { HiddenStates = true }], [], alone);

        var together = Poisoned(prompt.Length);
        using (var model = LoadedModel.Load(path, new LoadOptions { Backend = Backend, ContextLength = 32, BatchSize = 16, Parallel = 2, CacheType = CacheType }, Registry))
        {
            var logits = new float[vocab];
            // the other sequence's logits screened for a greedy sampler (the one-row top-k path), then two full rows
            model.Graph.ForwardBatch([new SequenceChunk(1, other, WantsLogits: true) { TopK = 1 }, new SequenceChunk(0, prompt.AsMemory(0, 4), WantsLogits: false) { HiddenStates = true }],
                                     logits, together.AsSpan(0, 4 * width));
            model.Graph.ForwardBatch([new SequenceChunk(1, new[] { Argmax(logits) }, WantsLogits: true), new SequenceChunk(0, prompt.AsMemory(4), WantsLogits: true) { HiddenStates = true }],
                                     new float[2 * vocab], together.AsSpan(4 * width));
        }
        AssertHiddenClose(reference, alone, width, $"{Backend} {architecture}: hidden states alone vs reference result_norm");
        AssertHiddenClose(alone, together, width, $"{Backend} {architecture}: hidden states in chunks beside another sequence vs alone");
    }

    /// <summary>
    /// The tolerance for hidden states: every row's cosine with the expected row at least 0.999, and mean |Δ| at most 1% of
    /// the largest value. Looser per element than the logits' (each logit sums thousands of these): one int8 rounding
    /// flip or the f16 KV cache moves single elements by up to ~3% of the largest (measured on the synthetic models:
    /// mean 0.3–0.5%, cosine ≥ 0.9993), while an embedding is read by its direction.
    /// </summary>
    internal static void AssertHiddenClose(float[] expected, float[] actual, int width, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        Assert.True(actual.All(float.IsFinite), $"{what}: an element was not written (NaN) or is not finite");
        for (int row = 0; row * width < expected.Length; row++)
        {
            var e = expected.AsSpan(row * width, width);
            var a = actual.AsSpan(row * width, width);
            double dot = 0, ee = 0, aa = 0;
            for (int i = 0; i < width; i++) (dot, ee, aa) = (dot + (double)e[i] * a[i], ee + (double)e[i] * e[i], aa + (double)a[i] * a[i]);
            double cosine = dot / Math.Sqrt(ee * aa);
            Assert.True(cosine >= 0.999, $"{what}: row {row} has cosine {cosine:F5} with the expected row (< 0.999)");
        }
        double scale = expected.Max(v => Math.Abs(v));
        double mean = expected.Zip(actual, (x, y) => Math.Abs(x - y)).Average();
        Assert.True(mean <= 0.01 * scale, $"{what}: mean |Δ| {mean:E2} > 1% of {scale:F2}");
    }

    [SkippableFact]
    public void AStepPastASlotsContext_IsRefusedNamingTheContext()
    {
        Skip.If(SkipReason is not null, SkipReason);
        using var model = LoadedModel.Load(BundledModel.Path, new LoadOptions { Backend = Backend, ContextLength = 8, Parallel = 2, CacheType = CacheType }, Registry);
        var logits = new float[2 * model.Graph.VocabSize];
        model.Graph.ForwardBatch([new SequenceChunk(0, new int[6], true), new SequenceChunk(1, new int[2], true)], logits);
        Assert.Throws<ContextOverflowException>(() => model.Graph.ForwardBatch([new SequenceChunk(1, new int[2], true), new SequenceChunk(0, new int[3], true)], logits));
        Assert.Throws<ArgumentException>(() => model.Graph.ForwardBatch([new SequenceChunk(1, new int[1], true), new SequenceChunk(1, new int[1], true)], logits));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Graph.ForwardBatch([new SequenceChunk(2, new int[1], true)], logits));
    }
}

public sealed class ReferenceGraphBatchTests : GraphBatchTests
{
    protected override string Backend => "reference";
}

public sealed class CpuGraphBatchTests : GraphBatchTests
{
    protected override string Backend => "cpu";
    protected override KvCacheType CacheType => KvCacheType.F16;
}
