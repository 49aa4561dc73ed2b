using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Engine.Generation;
using BitNet.Gpu.Engine.Graph;
using BitNet.Gpu.Engine.Hosting;
using BitNet.Gpu.Engine.Sampling;
using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Engine.Generation;

public class TextGeneratorTests
{
    static readonly string Model = SyntheticModels.Tiny("bitnet-b1.58", GgmlType.TQ2_0);
    static readonly GenerationRequest Greedy = new() { MaxTokens = 6, Sampling = new SamplerOptions { Temperature = 0 } };

    static LoadedModel Load() => LoadedModel.Load(Model, new LoadOptions { Backend = "cpu", ContextLength = 64, BatchSize = 4 }, new BackendRegistry());

    static string Generate(TextGenerator generator, IReadOnlyList<int> prompt, GenerationRequest request, out GenerationStats stats)
    {
        var text = new System.Text.StringBuilder();
        stats = generator.Generate(prompt, request, piece => text.Append(piece));
        return text.ToString();
    }

    [Fact]
    public void ASecondTurnReusesTheCacheAndMatchesAFreshRun()
    {
        using var model = Load();
        var first = new TextGenerator(model);
        var promptA = model.Tokenizer.Encode("the state of", addBos: true, parseSpecial: false);
        Generate(first, promptA, Greedy, out _);
        var turnB = model.Tokenizer.Encode(" the union", addBos: false, parseSpecial: false);
        var full = first.CachedTokens.Concat(turnB).ToArray();

        string reused = Generate(first, full, Greedy, out var reusedStats);
        Assert.Equal(turnB.Length, reusedStats.PromptTokens); // only the new tokens were processed

        using var freshModel = Load();
        string fresh = Generate(new TextGenerator(freshModel), full, Greedy, out var freshStats);
        Assert.Equal(full.Length, freshStats.PromptTokens);
        Assert.Equal(fresh, reused);
    }

    [Fact]
    public void GeneratedText_ContinuesThePrompt_KeepingTheFirstTokensSpace()
    {
        // The bundled model's SentencePiece vocabulary marks word starts with ▁; decoding strips it only at the start of a
        // text, so the streamed continuation must equal decode(prompt + generated) after decode(prompt).
        using var model = LoadedModel.Load(BundledModel.Path, new LoadOptions { Backend = "cpu", ContextLength = 64 }, new BackendRegistry());
        var prompt = model.Tokenizer.Encode("The state of the", addBos: true, parseSpecial: false);
        var generator = new TextGenerator(model);
        string streamed = Generate(generator, prompt, Greedy with { MaxTokens = 8 }, out _);

        string promptText = model.Tokenizer.Decode(prompt);
        string fullText = model.Tokenizer.Decode(generator.CachedTokens.ToArray()); // all but the last generated token
        string expected = fullText[promptText.Length..];
        Assert.True(expected.Length > 0 && expected.StartsWith(' '), $"continuation '{expected}'");
        Assert.StartsWith(expected, streamed);
    }

    [Fact]
    public void StopsOnAStopStringAndDoesNotPrintIt()
    {
        using var model = Load();
        var prompt = model.Tokenizer.Encode("the tea", addBos: true, parseSpecial: false);
        string free = Generate(new TextGenerator(model), prompt, Greedy with { MaxTokens = 20 }, out _);
        Assert.True(free.Length >= 4, $"generated '{free}'");
        string stop = free.Substring(2, 2);

        model.Graph.Reset();
        string stopped = Generate(new TextGenerator(model), prompt, Greedy with { MaxTokens = 20, StopStrings = [stop] }, out var stats);
        Assert.Equal(free[..free.IndexOf(stop, StringComparison.Ordinal)], stopped);
        Assert.Contains("stop string", stats.StopReason);
    }

    [Fact]
    public void StopsOnEndOfGeneration()
    {
        using var model = Load();
        var prompt = model.Tokenizer.Encode("the", addBos: true, parseSpecial: false);
        int eos = model.Tokenizer.EosId!.Value;
        // Bias the end-of-text token up so greedy picks it first.
        var request = Greedy with { Sampling = new SamplerOptions { Temperature = 0, LogitBias = new Dictionary<int, float> { [eos] = 1000f } } };
        string text = Generate(new TextGenerator(model), prompt, request, out var stats);
        Assert.Equal("", text);
        Assert.Equal(1, stats.GeneratedTokens);
        Assert.Equal("end of text", stats.StopReason);
    }

    [Fact]
    public void APromptPastTheContextIsAClearError()
    {
        using var model = Load();
        var prompt = Enumerable.Repeat(300, 65).ToArray();
        var error = Assert.Throws<ContextOverflowException>(() => new TextGenerator(model).Generate(prompt, Greedy, _ => { }));
        Assert.Contains("65 tokens do not fit in the context of 64", error.Message);
    }
}
