using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Engine.Evaluation;
using BitNet.Gpu.Engine.Generation;
using BitNet.Gpu.Engine.Hosting;
using BitNet.Gpu.Engine.Sampling;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Models;

/// <summary>
/// The bundled trained model against the PyTorch model it was exported from: tokenization, logits on a held-out
/// passage, perplexity and greedy generation. Tolerances: logits within 2% of the logit range with the same
/// argmax at every position (a float difference can flip one int8 activation code, which PyTorch's own float32
/// and float64 runs also show); perplexity within 1%; greedy tokens identical.
/// </summary>
public class BundledModelTests
{
    static readonly BackendRegistry Registry = new();

    static LoadedModel Load(string backend) =>
        LoadedModel.Load(BundledModel.Path, new LoadOptions { Backend = backend, ContextLength = 256 }, Registry);

    [Fact]
    public void TokenizerMatchesSentencePiece()
    {
        using var model = Load("cpu");
        var tokenizer = model.Tokenizer;
        Assert.Equal(BundledModel.Int32s("passage_tokens.i32"), tokenizer.Encode(File.ReadAllText(BundledModel.Golden("passage.txt")), addBos: true, parseSpecial: false));
        Assert.Equal(BundledModel.Int32s("perplexity_tokens.i32"), tokenizer.Encode(File.ReadAllText(BundledModel.Golden("perplexity_text.txt")), addBos: true, parseSpecial: false));
    }

    [Theory]
    [InlineData("cpu")]
    [InlineData("reference")]
    public void LogitsMatchPyTorch(string backend)
    {
        var tokens = BundledModel.Int32s("passage_tokens.i32");
        var expected = BundledModel.Float32s("passage_logits.f32");
        using var model = Load(backend);
        int vocab = model.Graph.VocabSize;
        var actual = new float[tokens.Length * vocab];
        model.Graph.Forward(tokens, actual, allLogits: true);

        double range = expected.Max() - expected.Min();
        double worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(worst <= 0.02 * range, $"max |Δlogit| {worst:F4} over a logit range of {range:F2}");
        for (int t = 0; t < tokens.Length; t++)
            Assert.Equal(ArgMax(expected.AsSpan(t * vocab, vocab)), ArgMax(actual.AsSpan(t * vocab, vocab)));
    }

    [Fact]
    public void PerplexityMatchesPyTorchWithinOnePercent()
    {
        double expected = BundledModel.Manifest.GetProperty("perplexity").GetProperty("perplexity").GetDouble();
        using var model = Load("cpu");
        var result = Perplexity.Compute(model, File.ReadAllText(BundledModel.Golden("perplexity_text.txt")));
        Assert.Equal(BundledModel.Manifest.GetProperty("perplexity").GetProperty("n_chunks").GetInt32(), result.Chunks);
        Assert.InRange(result.Perplexity, expected * 0.99, expected * 1.01);
    }

    [Fact]
    public void GreedyGenerationMatchesPyTorch()
    {
        var greedy = BundledModel.Manifest.GetProperty("greedy");
        var prompt = greedy.GetProperty("prompt_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var expected = greedy.GetProperty("generated_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        using var model = Load("cpu");
        var generator = new TextGenerator(model);
        var request = new GenerationRequest { MaxTokens = expected.Length, Sampling = new SamplerOptions { Temperature = 0 } };
        string text = "";
        generator.Generate(prompt, request, piece => text += piece);
        // The cache holds the prompt and every generated token but the last (sampled, not yet run).
        var generated = generator.CachedTokens.Skip(prompt.Length).ToList();
        Assert.Equal(expected[..^1], generated);
        Assert.Equal(model.Tokenizer.Decode(expected), text);
    }

    static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }
}
