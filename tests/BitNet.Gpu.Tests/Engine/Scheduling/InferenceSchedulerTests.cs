using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Engine.Generation;
using BitNet.Gpu.Engine.Graph;
using BitNet.Gpu.Engine.Hosting;
using BitNet.Gpu.Engine.Sampling;
using BitNet.Gpu.Engine.Scheduling;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Engine.Scheduling;

/// <summary>
/// The scheduler on the bundled model: concurrent requests give what each gives alone, cancellation frees the slot,
/// a full queue and a prompt past the context are refused before queueing, and the counters add up.
/// </summary>
public class InferenceSchedulerTests
{
    static readonly BackendRegistry Registry = new();
    static readonly GenerationRequest Greedy = new() { MaxTokens = 24, Sampling = new SamplerOptions { Temperature = 0 } };

    static LoadedModel Load(int parallel, int context = 256) =>
        LoadedModel.Load(BundledModel.Path, new LoadOptions { Backend = "cpu", ContextLength = context, Parallel = parallel, BatchSize = 32 }, Registry);

    static readonly string[] Prompts =
    [
        "The state of the Union", "My fellow Americans,", "Tonight", "We the people", "In this great nation",
        "The economy", "Our children deserve", "Thank you. God bless America.",
    ];

    static async Task<(string Text, GenerationStats Stats)> Collect(GenerationStream stream)
    {
        var text = new System.Text.StringBuilder();
        await foreach (var piece in stream.ReadAllAsync()) text.Append(piece);
        return (text.ToString(), await stream.Completion);
    }

    [Fact]
    public async Task EightConcurrentRequests_EachGiveWhatTheyGiveAlone()
    {
        var alone = new List<string>();
        using (var model = Load(parallel: 1))
        using (var scheduler = new InferenceScheduler(model))
            foreach (var prompt in Prompts)
                alone.Add((await Collect(scheduler.Submit(model.Tokenizer.Encode(prompt, addBos: true, parseSpecial: false), Greedy))).Text);

        using (var model = Load(parallel: 4)) // 8 requests in 4 slots: half wait, then take the freed slots
        using (var scheduler = new InferenceScheduler(model))
        {
            var streams = Prompts.Select(p => scheduler.Submit(model.Tokenizer.Encode(p, addBos: true, parseSpecial: false), Greedy)).ToArray();
            var together = await Task.WhenAll(streams.Select(Collect));
            Assert.Equal(alone, together.Select(r => r.Text));
            Assert.All(together, r => Assert.True(r.Stats.GeneratedTokens > 0));
            var counters = scheduler.Counters;
            Assert.Equal(8, counters.Completed);
            Assert.Equal(together.Sum(r => (long)r.Stats.GeneratedTokens), counters.GeneratedTokens);
            Assert.Equal(together.Sum(r => (long)r.Stats.PromptTokens), counters.PromptTokens);
            Assert.True(counters.Steps < together.Sum(r => r.Stats.GeneratedTokens), "requests shared steps");
        }
    }

    static async Task<(string Text, List<TokenLogprob> Logprobs, GenerationStats Stats)> CollectPieces(GenerationStream stream)
    {
        var text = new System.Text.StringBuilder();
        var logprobs = new List<TokenLogprob>();
        await foreach (var piece in stream.ReadPiecesAsync())
        {
            text.Append(piece.Text);
            logprobs.AddRange(piece.Logprobs);
        }
        return (text.ToString(), logprobs, await stream.Completion);
    }

    [Fact]
    public async Task Logprobs_CoverEveryGeneratedToken_WithoutChangingTheText()
    {
        using var model = Load(parallel: 2);
        using var scheduler = new InferenceScheduler(model);
        var prompt = model.Tokenizer.Encode("The state of the Union", addBos: true, parseSpecial: false);
        string plain = (await Collect(scheduler.Submit(prompt, Greedy))).Text;

        // Greedy: the chosen token is the most likely one. Sampled: it is any of them, and the text is still its tokens'.
        var greedy = await CollectPieces(scheduler.Submit(prompt, Greedy with { Logprobs = 5 }));
        var sampledRequest = new GenerationRequest { MaxTokens = 24, Logprobs = 3, Sampling = new SamplerOptions { Temperature = 1.5f, TopK = 0, TopP = 1, MinP = 0, Seed = 7 } };
        var sampled = await CollectPieces(scheduler.Submit(prompt, sampledRequest));

        Assert.Equal(plain, greedy.Text);
        foreach (var (run, top) in new[] { (greedy, 5), (sampled, 3) })
        {
            int expected = run.Stats.GeneratedTokens - (run.Stats.StopReason == "end of text" ? 1 : 0);
            Assert.Equal(expected, run.Logprobs.Count);
            var bytes = run.Logprobs.SelectMany(l => model.Tokenizer.TokenBytes(l.Token).ToArray()).ToArray();
            Assert.Equal(run.Text, System.Text.Encoding.UTF8.GetString(bytes));
            foreach (var entry in run.Logprobs)
            {
                Assert.Equal(top, entry.Top.Count);
                Assert.True(entry.Logprob <= 0, $"log-probability {entry.Logprob} above 0");
                Assert.True(entry.Logprob <= entry.Top[0].Logprob + 1e-6f);
                for (int i = 1; i < top; i++) Assert.True(entry.Top[i].Logprob <= entry.Top[i - 1].Logprob);
                Assert.True(entry.Top.Sum(c => Math.Exp(c.Logprob)) <= 1 + 1e-5);
                int rank = entry.Top.ToList().FindIndex(c => c.Token == entry.Token);
                if (rank >= 0) Assert.Equal(entry.Top[rank].Logprob, entry.Logprob);
            }
        }
        Assert.All(greedy.Logprobs, entry => Assert.Equal(entry.Top[0].Token, entry.Token));
        Assert.Contains(sampled.Logprobs, entry => entry.Token != entry.Top[0].Token); // temperature 1.5 leaves the top token
    }

    [Fact]
    public async Task PromptLogprobs_EqualTheLogSoftmaxOfEveryPosition_InChunks_BesideAnotherSequence_AndNeverFromTheCache()
    {
        // 32-token steps: the prompt runs in several chunks, the first beside another sequence's generation.
        using var model = Load(parallel: 2);
        using var scheduler = new InferenceScheduler(model);
        var prompt = model.Tokenizer.Encode(string.Join(" ", Enumerable.Repeat(string.Join(" ", Prompts), 3)), addBos: true, parseSpecial: false);
        Assert.True(prompt.Length > 70, $"{prompt.Length} tokens: want three chunks or more");
        var other = model.Tokenizer.Encode("Tonight", addBos: true, parseSpecial: false);
        string otherAlone = (await Collect(scheduler.Submit(other, Greedy))).Text;

        var request = new GenerationRequest { MaxTokens = 0, PromptLogprobs = 2, Sampling = new SamplerOptions { Temperature = 0 } };
        var beside = scheduler.Submit(other, Greedy);
        var scored = scheduler.Submit(prompt, request);
        var pieces = new List<GenerationPiece>();
        await foreach (var piece in scored.ReadPiecesAsync()) pieces.Add(piece);
        Assert.Equal(otherAlone, (await Collect(beside)).Text);
        var stats = await scored.Completion;
        Assert.Equal(0, stats.GeneratedTokens);
        Assert.Equal(prompt.Length, stats.PromptTokens); // all of it run
        var entries = Assert.Single(pieces).PromptLogprobs!;
        Assert.Equal(prompt, entries.Select(e => e.Token));
        Assert.True(float.IsNaN(entries[0].Logprob) && entries[0].Top.Count == 0);

        // The reference: every position's logits from the graph alone, log-softmax in double.
        using var reference = Load(parallel: 1, context: 256);
        int vocab = reference.Graph.VocabSize;
        var logits = new float[prompt.Length * vocab];
        reference.Graph.Forward(prompt, logits, allLogits: true);
        for (int p = 1; p < prompt.Length; p++)
        {
            var row = logits.AsSpan((p - 1) * vocab, vocab);
            double max = double.NegativeInfinity, sum = 0;
            foreach (float x in row) max = Math.Max(max, x);
            foreach (float x in row) sum += Math.Exp(x - max);
            double expected = row[prompt[p]] - max - Math.Log(sum);
            Assert.True(Math.Abs(expected - entries[p].Logprob) < 1e-4, $"position {p}: {entries[p].Logprob} against {expected}");
            Assert.Equal(2, entries[p].Top.Count);
            Assert.True(entries[p].Top[0].Logprob >= entries[p].Top[1].Logprob && entries[p].Top[0].Logprob >= entries[p].Logprob - 1e-6f);
        }

        // The same prompt again: its slot holds it, but a scored prompt is never taken from the cache.
        var again = scheduler.Submit(prompt, request);
        var second = new List<GenerationPiece>();
        await foreach (var piece in again.ReadPiecesAsync()) second.Add(piece);
        Assert.Equal(prompt.Length, (await again.Completion).PromptTokens);
        Assert.Equal(entries.Skip(1).Select(e => e.Logprob), Assert.Single(second).PromptLogprobs!.Skip(1).Select(e => e.Logprob));
    }

    [Fact]
    public void TooManyAlternatives_AreRefusedBeforeQueueing()
    {
        using var model = Load(parallel: 1);
        using var scheduler = new InferenceScheduler(model);
        var prompt = model.Tokenizer.Encode("Tonight", addBos: true, parseSpecial: false);
        Assert.Throws<ArgumentException>(() => scheduler.Submit(prompt, Greedy with { Logprobs = TokenLogprob.MaxTop + 1 }));
        Assert.Equal(0, scheduler.Counters.Queued);
    }

    [Fact]
    public async Task SeededSamplingConcurrently_IsTheSameAsAlone()
    {
        var request = new GenerationRequest { MaxTokens = 20, Sampling = new SamplerOptions { Temperature = 0.9f, Seed = 42 } };
        using var model = Load(parallel: 3);
        using var scheduler = new InferenceScheduler(model);
        var alone = (await Collect(scheduler.Submit(model.Tokenizer.Encode("Tonight", addBos: true, parseSpecial: false), request))).Text;
        var together = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Collect(scheduler.Submit(model.Tokenizer.Encode("Tonight", addBos: true, parseSpecial: false), request))));
        Assert.All(together, r => Assert.Equal(alone, r.Text));
    }

    [Fact]
    public async Task CancellingMidStream_FreesTheSlotForTheNextRequest()
    {
        using var model = Load(parallel: 1);
        using var scheduler = new InferenceScheduler(model);
        using var cancel = new CancellationTokenSource();
        var endless = scheduler.Submit(model.Tokenizer.Encode("The", addBos: true, parseSpecial: false), Greedy with { MaxTokens = 200, StopStrings = [] }, cancel.Token);
        var waiting = scheduler.Submit(model.Tokenizer.Encode("Tonight", addBos: true, parseSpecial: false), Greedy);
        await foreach (var _ in endless.ReadAllAsync())
        {
            cancel.Cancel();
            break;
        }
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => endless.Completion);
        var next = await Collect(waiting); // the one slot was freed
        Assert.True(next.Stats.GeneratedTokens > 0);
        Assert.Equal(1, scheduler.Counters.Cancelled);
        Assert.Equal(0, scheduler.Counters.Running);
    }

    [Fact]
    public void AFullQueue_IsRefusedBeforeQueueing()
    {
        using var model = Load(parallel: 1);
        using var scheduler = new InferenceScheduler(model, new SchedulerOptions { MaxQueuedRequests = 1 });
        using var cancel = new CancellationTokenSource();
        var tokens = model.Tokenizer.Encode("The", addBos: true, parseSpecial: false);
        scheduler.Submit(tokens, Greedy with { MaxTokens = 200 }, cancel.Token); // takes the slot
        scheduler.Submit(tokens, Greedy, cancel.Token);                          // waits
        var error = Assert.Throws<SchedulerQueueFullException>(() => scheduler.Submit(tokens, Greedy));
        Assert.Contains("1 requests are already waiting", error.Message);
        cancel.Cancel();
    }

    [Fact]
    public void APromptPastTheContext_IsRefusedBeforeQueueing()
    {
        using var model = Load(parallel: 2, context: 16);
        using var scheduler = new InferenceScheduler(model);
        var error = Assert.Throws<ContextOverflowException>(() => scheduler.Submit(new int[17], Greedy));
        Assert.Contains("16", error.Message);
        Assert.Throws<ArgumentException>(() => scheduler.Submit([], Greedy));
        Assert.Throws<ArgumentException>(() => scheduler.Submit([model.Graph.VocabSize], Greedy));
        Assert.Equal(0, scheduler.Counters.Queued);
    }

    [Fact]
    public async Task ARequestThatFillsItsSlot_StopsWithContextFull_AndTheOthersGoOn()
    {
        using var model = Load(parallel: 2, context: 12);
        using var scheduler = new InferenceScheduler(model);
        var tokens = model.Tokenizer.Encode("The state of the Union", addBos: true, parseSpecial: false);
        var long1 = scheduler.Submit(tokens, Greedy with { MaxTokens = 100 });
        var short1 = scheduler.Submit(model.Tokenizer.Encode("We", addBos: true, parseSpecial: false), Greedy with { MaxTokens = 3 });
        var (_, longStats) = await Collect(long1);
        var (_, shortStats) = await Collect(short1);
        Assert.Equal("context full", longStats.StopReason);
        Assert.Equal(12 - tokens.Length + 1, longStats.GeneratedTokens);
        Assert.Equal(3, shortStats.GeneratedTokens);
    }
}
