using System.Text;
using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Engine.Generation;
using BitNet.Gpu.Engine.Hosting;
using BitNet.Gpu.Engine.Sampling;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Library;

/// <summary>The library's plain completion API on the bundled model, held to the engine's own generation.</summary>
public class BitNetModelTests
{
    static readonly CompletionOptions Greedy = new() { Temperature = 0, MaxTokens = 24 };

    static string EngineGreedy(IReadOnlyList<int> prompt, int maxTokens)
    {
        using var model = LoadedModel.Load(BundledModel.Path, new LoadOptions { Backend = "cpu" }, new BackendRegistry());
        using var generator = new TextGenerator(model);
        var text = new StringBuilder();
        generator.Generate(prompt, new GenerationRequest { MaxTokens = maxTokens, Sampling = new SamplerOptions { Temperature = 0 } }, p => text.Append(p));
        return text.ToString();
    }

    [Fact]
    public async Task GreedyCompletionEqualsTheEngineAndCountsTokens()
    {
        using var model = BitNetModel.Load(BundledModel.Path, new BitNetModelOptions { Backend = "cpu" });
        var prompt = model.Tokenize("The state of the Union", addBos: true, parseSpecial: false);
        var result = await model.CompleteAsync(prompt, Greedy);

        Assert.Equal(EngineGreedy(prompt, 24), result.Text);
        Assert.NotEmpty(result.Text);
        Assert.Equal(prompt.Length, result.PromptTokens);
        Assert.Equal(24, result.CompletionTokens);
        Assert.Equal("length", result.FinishReason);
        Assert.Equal("bitnet-sotu-6m-i2_s", model.ModelId);
    }

    [Fact]
    public async Task StreamingEqualsTheWholeTextAndReportsStats()
    {
        using var model = BitNetModel.Load(BundledModel.Path, new BitNetModelOptions { Backend = "cpu" });
        var whole = await model.CompleteAsync("The state of the Union", Greedy);
        var stream = model.StartCompletion(model.Tokenize("The state of the Union", addBos: true, parseSpecial: true), Greedy);
        var text = new StringBuilder();
        await foreach (var piece in stream.ReadAllAsync()) text.Append(piece);
        var stats = await stream.Completion;

        Assert.Equal(whole.Text, text.ToString());
        Assert.Equal(whole.Stats with { PromptTime = default, GenerationTime = default }, stats with { PromptTime = default, GenerationTime = default });
    }

    [Fact]
    public async Task AStopStringEndsTheTextBeforeItWithFinishReasonStop()
    {
        using var model = BitNetModel.Load(BundledModel.Path, new BitNetModelOptions { Backend = "cpu" });
        var full = await model.CompleteAsync("The state of the Union", Greedy);
        string stop = full.Text.Substring(full.Text.Length / 2, 3);
        var stopped = await model.CompleteAsync("The state of the Union", Greedy with { Stop = [stop] });

        Assert.Equal(full.Text[..full.Text.IndexOf(stop, StringComparison.Ordinal)], stopped.Text);
        Assert.Equal("stop", stopped.FinishReason);
        Assert.StartsWith("stop string", stopped.Stats.StopReason);
    }

    [Theory]
    [InlineData("Temperature")]
    [InlineData("TopK")]
    [InlineData("TopP")]
    [InlineData("MinP")]
    [InlineData("RepeatPenalty")]
    [InlineData("FrequencyPenalty")]
    [InlineData("PresencePenalty")]
    [InlineData("MaxTokens")]
    [InlineData("Stop")]
    [InlineData("LogitBias")]
    [InlineData("TopLogprobs")]
    [InlineData("TopLogprobs without Logprobs")]
    public void AnInvalidOptionIsRefusedNamingIt(string option)
    {
        var bad = option switch
        {
            "Temperature" => Greedy with { Temperature = float.NaN },
            "TopK" => Greedy with { TopK = -1 },
            "TopP" => Greedy with { TopP = 0 },
            "MinP" => Greedy with { MinP = 2 },
            "RepeatPenalty" => Greedy with { RepeatPenalty = 0 },
            "FrequencyPenalty" => Greedy with { FrequencyPenalty = float.PositiveInfinity },
            "PresencePenalty" => Greedy with { PresencePenalty = float.NaN },
            "MaxTokens" => Greedy with { MaxTokens = 0 },
            "Stop" => Greedy with { Stop = [""] },
            "TopLogprobs" => Greedy with { Logprobs = true, TopLogprobs = 21 },
            "TopLogprobs without Logprobs" => Greedy with { TopLogprobs = 2 },
            _ => Greedy with { LogitBias = new Dictionary<int, float> { [1 << 20] = 1 } },
        };
        using var model = BitNetModel.Load(BundledModel.Path, new BitNetModelOptions { Backend = "cpu" });
        var error = Assert.ThrowsAny<ArgumentException>(() => model.StartCompletion([1, 2, 3], bad));
        Assert.Equal(option.Split(' ')[0], error.ParamName);
        Assert.StartsWith(option.Split(' ')[0], error.Message);
    }

    [Theory]
    [InlineData("Parallel")]
    [InlineData("ContextLength")]
    [InlineData("BatchSize")]
    [InlineData("Threads")]
    [InlineData("MaxQueuedRequests")]
    [InlineData("Backend")]
    [InlineData("ChatTemplate")]
    [InlineData("ModelId")]
    public void AnInvalidModelOptionIsRefusedNamingIt(string option)
    {
        var bad = option switch
        {
            "Parallel" => new BitNetModelOptions { Parallel = 0 },
            "ContextLength" => new BitNetModelOptions { ContextLength = -1 },
            "BatchSize" => new BitNetModelOptions { BatchSize = 0 },
            "Threads" => new BitNetModelOptions { Threads = -2 },
            "MaxQueuedRequests" => new BitNetModelOptions { MaxQueuedRequests = -1 },
            "Backend" => new BitNetModelOptions { Backend = "quantum" },
            "ModelId" => new BitNetModelOptions { ModelId = "line\nbreak" },
            _ => new BitNetModelOptions { ChatTemplate = "{% if %}" },
        };
        var error = Assert.ThrowsAny<ArgumentException>(() => BitNetModel.Load(BundledModel.Path, bad with { Backend = option == "Backend" ? bad.Backend : "cpu" }));
        Assert.Equal(option, error.ParamName);
        Assert.StartsWith(option, error.Message);
    }

    [Fact]
    public void RenderChatRefusesAnUnknownRoleNamingIt()
    {
        using var model = BitNetModel.Load(BundledModel.Path, new BitNetModelOptions { Backend = "cpu" });
        var error = Assert.Throws<ArgumentException>(() => model.RenderChat([("user", "Hi"), ("tool", "42")]));
        Assert.Contains("'tool'", error.Message);
        Assert.NotEmpty(model.RenderChat([("system", "Be brief."), ("user", "Hi")]));
    }

    [Fact]
    public void TokenizeAndDetokenizeRoundTrip()
    {
        using var model = BitNetModel.Load(BundledModel.Path, new BitNetModelOptions { Backend = "cpu" });
        var ids = model.Tokenize("The state of the Union", addBos: false, parseSpecial: false);
        Assert.Equal("The state of the Union", model.Detokenize(ids));
        Assert.Throws<ArgumentException>(() => model.Detokenize([model.VocabularySize]));
    }
    [Fact]
    public void AModelIdOption_NamesTheModel()
    {
        using var model = BitNetModel.Load(BundledModel.Path, new BitNetModelOptions { Backend = "cpu", ModelId = "union/sotu" });
        Assert.Equal("union/sotu", model.ModelId);
    }

    [Fact]
    public void Info_DescribesTheFile_ItsArchitectureSizeAndScalarMetadata()
    {
        using var model = BitNetModel.Load(BundledModel.Path, new BitNetModelOptions { Backend = "cpu" });
        using var file = BitNet.Gpu.Model.Gguf.GgufFile.Open(BundledModel.Path);
        var info = model.Info;
        Assert.Equal(Path.GetFullPath(BundledModel.Path), info.Path);
        Assert.Equal(new FileInfo(BundledModel.Path).Length, info.FileSize);
        Assert.Equal(File.GetLastWriteTimeUtc(BundledModel.Path), info.Modified.UtcDateTime);
        Assert.Equal(file.Metadata.GetString("general.architecture"), info.Architecture);
        Assert.Equal(file.Tensors.Sum(t => t.Dimensions.Aggregate(1L, (a, d) => a * d)), info.ParameterCount);
        Assert.Equal("I2_S", info.QuantizationType);
        Assert.Equal((int)file.Metadata.GetInteger(info.Architecture + ".context_length"), info.TrainedContextLength);
        var scalars = file.Metadata.Entries.Where(e => !e.Value.IsArray).Select(e => e.Key).ToList();
        Assert.Equal(scalars, info.Metadata.Keys);
        Assert.DoesNotContain("tokenizer.ggml.tokens", info.Metadata.Keys);
        Assert.Equal(info.Architecture, info.Metadata["general.architecture"]);
    }
}
