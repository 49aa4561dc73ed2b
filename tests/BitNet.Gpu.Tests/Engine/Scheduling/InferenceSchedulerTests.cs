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
