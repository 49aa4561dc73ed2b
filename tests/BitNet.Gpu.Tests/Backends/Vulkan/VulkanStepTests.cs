using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Engine.Backends.Reference;
using BitNet.Gpu.Model.Architectures;
using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Tests.Engine.Backends;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Backends.Vulkan;

/// <summary>
/// A whole transformer block as the graph calls it (embedding, norms, quantization, ternary projections, RoPE,
/// attention, gated feed-forward, residuals, output projection), run for a prompt step and a one-token step:
/// the logits match the reference, each step costs exactly one queue submission (at Read), and a step of a shape
/// seen before replays the recorded command buffer, also when its tokens belong to several sequences; independent
/// commands share a barrier.
/// </summary>
public sealed class VulkanStepTests
{
    const int Vocab = 61, Dim = 256, Heads = 4, KvHeads = 2, HeadDim = 64, Hidden = 512, Context = 16;

    // The weights and buffers of one block; the backend frees them when it is disposed.
    sealed class Block(IComputeBackend b, WeightFile w, int sequences = 1)
    {
        public readonly DeviceWeight Embedding = b.UploadDense(w.File, w["token_embd.weight"]);
        public readonly DeviceWeight Norm = b.UploadVector(w.File, w["attn_norm.weight"]);
        public readonly DeviceWeight Query = b.UploadTernary(w.File, w["attn_q.weight"]);
        public readonly DeviceWeight Key = b.UploadTernary(w.File, w["attn_k.weight"]);
        public readonly DeviceWeight Value = b.UploadTernary(w.File, w["attn_v.weight"]);
        public readonly DeviceWeight AttentionOutput = b.UploadTernary(w.File, w["attn_output.weight"]);
        public readonly DeviceWeight Gate = b.UploadTernary(w.File, w["ffn_gate.weight"]);
        public readonly DeviceWeight Up = b.UploadTernary(w.File, w["ffn_up.weight"]);
        public readonly DeviceWeight Down = b.UploadTernary(w.File, w["ffn_down.weight"]);
        public readonly DeviceWeight Output = b.UploadDense(w.File, w["output.weight"]);
        public readonly KvCache Cache = b.AllocateKvCache(1, sequences, Context, KvHeads, HeadDim, KvCacheType.F32);
        public readonly DeviceBuffer X = b.AllocateActivations(8, Dim), H = b.AllocateActivations(8, Dim);
        public readonly DeviceBuffer Q = b.AllocateActivations(8, Heads * HeadDim), K = b.AllocateActivations(8, KvHeads * HeadDim);
        public readonly DeviceBuffer V = b.AllocateActivations(8, KvHeads * HeadDim), A = b.AllocateActivations(8, Heads * HeadDim);
        public readonly DeviceBuffer G = b.AllocateActivations(8, Hidden), U = b.AllocateActivations(8, Hidden);
        public readonly DeviceBuffer HiddenQ = b.AllocateQuantized(8, Dim), FeedForwardQ = b.AllocateQuantized(8, Hidden);
        public readonly DeviceBuffer Last = b.AllocateActivations(8, Dim), Logits = b.AllocateActivations(8, Vocab);

        /// <summary>A step of one sequence: the last token's logits.</summary>
        public float[] Step(int[] tokens, int start) => Step(StepTokens.Consecutive(tokens, start), [tokens.Length - 1]);

        /// <summary>The logits of the given rows of the step, one after another.</summary>
        public float[] Step(StepTokens step, int[] logitRows)
        {
            int n = step.Count;
            b.BeginStep(step);
            b.Embed(Embedding, X, n);
            b.RmsNorm(X, Norm, H, n, 1e-5f);
            b.QuantizeActivations(H, HiddenQ, n);
            b.TernaryMatMul(Query, HiddenQ, Q, n);
            b.TernaryMatMul(Key, HiddenQ, K, n);
            b.TernaryMatMul(Value, HiddenQ, V, n);
            b.Rope(Q, n, Heads, HeadDim, HeadDim, 10000f, RopeStyle.Neox);
            b.Rope(K, n, KvHeads, HeadDim, HeadDim, 10000f, RopeStyle.Neox);
            b.Attention(Q, K, V, Cache, 0, A, n, Heads, KvHeads, HeadDim);
            b.QuantizeActivations(A, HiddenQ, n);
            b.TernaryMatMul(AttentionOutput, HiddenQ, H, n);
            b.Add(X, H, n);
            b.RmsNorm(X, Norm, H, n, 1e-5f);
            b.QuantizeActivations(H, HiddenQ, n);
            b.TernaryMatMul(Gate, HiddenQ, G, n);
            b.TernaryMatMul(Up, HiddenQ, U, n);
            b.GateActivation(G, U, n, GateActivation.ReluSquared);
            b.QuantizeActivations(G, FeedForwardQ, n);
            b.TernaryMatMul(Down, FeedForwardQ, H, n);
            b.Add(X, H, n);
            b.RmsNorm(X, Norm, H, n, 1e-5f);
            for (int i = 0; i < logitRows.Length; i++) b.CopyRow(H, logitRows[i], Last, i);
            b.DenseMatMul(Output, Last, Logits, logitRows.Length);
            var logits = new float[logitRows.Length * Vocab];
            b.Read(Logits, logitRows.Length, logits);
            return logits;
        }
    }

    static WeightFile Weights()
    {
        var w = new WeightFile(seed: 50);
        w.AddDense("token_embd.weight", GgmlType.F16, Vocab, Dim);
        w.AddDense("attn_norm.weight", GgmlType.F32, 1, Dim, scale: 0.2f, offset: 1f, asVector: true);
        w.AddTernary("attn_q.weight", GgmlType.I2_S, Heads * HeadDim, Dim);
        w.AddTernary("attn_k.weight", GgmlType.I2_S, KvHeads * HeadDim, Dim);
        w.AddTernary("attn_v.weight", GgmlType.I2_S, KvHeads * HeadDim, Dim);
        w.AddTernary("attn_output.weight", GgmlType.TQ2_0, Dim, Heads * HeadDim);
        w.AddTernary("ffn_gate.weight", GgmlType.TQ1_0, Hidden, Dim);
        w.AddTernary("ffn_up.weight", GgmlType.I2_S, Hidden, Dim);
        w.AddTernary("ffn_down.weight", GgmlType.TQ2_0, Dim, Hidden);
        w.AddDense("output.weight", GgmlType.F16, Vocab, Dim, scale: 0.05f);
        return w;
    }

    [VulkanFact]
    public void PromptThenTokens_MatchReferenceWithOneSubmitPerStepAndReplay()
    {
        using var weights = Weights();
        using var reference = new ReferenceBackend();
        using var vulkan = VulkanTestDevice.CreateBackend();
        var expectedBlock = new Block(reference, weights);
        var actualBlock = new Block(vulkan, weights);
        int[] prompt = [3, 17, 60, 0, 42];

        var expected = expectedBlock.Step(prompt, 0);
        int before = vulkan.SubmitCount;
        var actual = actualBlock.Step(prompt, 0);
        Assert.Equal(1, vulkan.SubmitCount - before);
        // Barriers only between dependent commands: the q, k and v products share one, and so do the two cache stores,
        // and gate with up; the synchronization validation layer would report one that is missing.
        var (commands, barriers) = vulkan.LastSubmission;
        Assert.True(barriers <= commands - 4, $"{barriers} barriers between {commands} commands");
        // Float sums in another order could flip an int8 rounding tie downstream; on lavapipe with these seeds none does.
        BackendOpsTests.AssertClose(expected, actual, 1e-4, "block logits, prompt step");

        // Two one-token steps: the second has the first's shape, so it replays its command buffer at the next position.
        for (int position = prompt.Length; position < prompt.Length + 2; position++)
        {
            int token = position * 7 % Vocab;
            expected = expectedBlock.Step([token], position);
            before = vulkan.SubmitCount;
            int replaysBefore = vulkan.ReplayCount;
            actual = actualBlock.Step([token], position);
            Assert.Equal(1, vulkan.SubmitCount - before);
            Assert.Equal(position == prompt.Length ? 0 : 1, vulkan.ReplayCount - replaysBefore);
            BackendOpsTests.AssertClose(expected, actual, 1e-4, $"block logits, one-token step at {position}");
        }
    }

    [VulkanFact]
    public void SeveralSequences_MatchReferenceAndReplayAtTheirNextPositions()
    {
        using var weights = Weights();
        using var reference = new ReferenceBackend();
        using var vulkan = VulkanTestDevice.CreateBackend();
        var expectedBlock = new Block(reference, weights, sequences: 3);
        var actualBlock = new Block(vulkan, weights, sequences: 3);

        // Three prompts of 3, 2 and 3 tokens in one step, then two steps of each sequence's next token: the second of
        // those has the first's shape, so it replays with every sequence one position further.
        var prompts = new StepTokens([3, 17, 60, 0, 42, 9, 31, 5], [0, 0, 0, 1, 1, 2, 2, 2], [0, 1, 2, 0, 1, 0, 1, 2]);
        var expected = expectedBlock.Step(prompts, [2, 4, 7]);
        var actual = actualBlock.Step(prompts, [2, 4, 7]);
        BackendOpsTests.AssertClose(expected, actual, 1e-4, "block logits, three prompts in one step");

        for (int step = 0; step < 2; step++)
        {
            var next = new StepTokens([11 + step, 23 + step, 37 + step], [2, 0, 1], [3 + step, 3 + step, 2 + step]);
            expected = expectedBlock.Step(next, [0, 1, 2]);
            int before = vulkan.SubmitCount, replaysBefore = vulkan.ReplayCount;
            actual = actualBlock.Step(next, [0, 1, 2]);
            Assert.Equal(1, vulkan.SubmitCount - before);
            Assert.Equal(step, vulkan.ReplayCount - replaysBefore);
            BackendOpsTests.AssertClose(expected, actual, 1e-4, $"block logits, next tokens of three sequences (step {step})");
        }
    }
}
