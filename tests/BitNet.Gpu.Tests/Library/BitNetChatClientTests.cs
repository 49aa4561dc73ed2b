using System.ComponentModel.DataAnnotations;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Engine.Generation;
using BitNet.Gpu.Engine.Hosting;
using BitNet.Gpu.Engine.Sampling;
using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Tests.Support;
using Microsoft.Extensions.AI;

namespace BitNet.Gpu.Tests.Library;

/// <summary>The IChatClient on the bundled model: the engine's text for the rendered conversation, every option reaching the sampler.</summary>
public class BitNetChatClientTests
{
    static readonly ChatMessage[] Conversation = [new(ChatRole.System, "You are a speech writer."), new(ChatRole.User, "The state of the Union")];
    static ChatOptions Greedy(int maxTokens = 24) => new() { Temperature = 0, MaxOutputTokens = maxTokens };

    static BitNetModel Load(int parallel = 1) => BitNetModel.Load(BundledModel.Path, new BitNetModelOptions { Backend = "cpu", Parallel = parallel });

    /// <summary>
    /// A tiny synthetic model with random weights, a byte-level vocabulary and 2048 positions, and a plain template: the
    /// tools' description runs to ~450 tokens, past the bundled model's 256 positions.
    /// </summary>
    static BitNetModel LoadForTools() => BitNetModel.Load(SyntheticModels.Tiny("bitnet-b1.58", GgmlType.I2_S, contextLength: 2048),
        new BitNetModelOptions { Backend = "cpu", ChatTemplate = "{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}assistant: " });

    [Fact]
    public async Task GreedyTextEqualsTheEngineOnTheRenderedConversation()
    {
        using var model = Load();
        var prompt = model.RenderChat([("system", "You are a speech writer."), ("user", "The state of the Union")]);
        var response = await model.AsChatClient().GetResponseAsync(Conversation, Greedy());

        using var engine = LoadedModel.Load(BundledModel.Path, new LoadOptions { Backend = "cpu" }, new BackendRegistry());
        using var generator = new TextGenerator(engine);
        var expected = new StringBuilder();
        generator.Generate(prompt, new GenerationRequest { MaxTokens = 24, Sampling = new SamplerOptions { Temperature = 0 } }, p => expected.Append(p));

        Assert.NotEmpty(response.Text);
        Assert.Equal(expected.ToString(), response.Text);
        Assert.Equal(prompt.Length, response.Usage!.InputTokenCount);
        Assert.Equal(24, response.Usage.OutputTokenCount);
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
        Assert.Equal("bitnet-sotu-6m-i2_s", response.ModelId);
        Assert.Equal(ChatRole.Assistant, response.Messages.Single().Role);
    }

    [Fact]
    public async Task StreamingEqualsNonStreaming()
    {
        using var model = Load();
        var client = model.AsChatClient();
        var whole = await client.GetResponseAsync(Conversation, Greedy());
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync(Conversation, Greedy())) updates.Add(update);
        var streamed = updates.ToChatResponse();

        Assert.True(updates.Count > 2);
        Assert.Equal(whole.Text, streamed.Text);
        Assert.Equal(whole.FinishReason, streamed.FinishReason);
        Assert.Equal(whole.Usage!.InputTokenCount, streamed.Usage!.InputTokenCount);
        Assert.Equal(whole.Usage.OutputTokenCount, streamed.Usage.OutputTokenCount);
        Assert.Equal(whole.ModelId, streamed.ModelId);
    }

    [Fact]
    public async Task MaxOutputTokensAndStopSequencesEndTheAnswer()
    {
        using var model = Load();
        var client = model.AsChatClient();
        var longer = await client.GetResponseAsync(Conversation, Greedy(40));
        var shorter = await client.GetResponseAsync(Conversation, Greedy(8));
        Assert.Equal(8, shorter.Usage!.OutputTokenCount);
        Assert.StartsWith(shorter.Text, longer.Text);
        Assert.True(shorter.Text.Length < longer.Text.Length);

        string stop = longer.Text.Substring(longer.Text.Length / 2, 3);
        var options = Greedy(40);
        options.StopSequences = [stop];
        var stopped = await client.GetResponseAsync(Conversation, options);
        Assert.Equal(longer.Text[..longer.Text.IndexOf(stop, StringComparison.Ordinal)], stopped.Text);
        Assert.Equal(ChatFinishReason.Stop, stopped.FinishReason);
    }

    [Fact]
    public async Task SeedKeepsSampledTextAndDifferentSeedsChangeIt()
    {
        using var model = Load();
        var client = model.AsChatClient();
        async Task<string> Sampled(long seed) =>
            (await client.GetResponseAsync(Conversation, new ChatOptions { Temperature = 1.5f, TopK = 0, TopP = 1, MaxOutputTokens = 24, Seed = seed, AdditionalProperties = new() { ["min_p"] = 0 } })).Text;

        Assert.Equal(await Sampled(7), await Sampled(7));
        var texts = new HashSet<string>();
        foreach (long seed in new long[] { 1, 2, 3, 4 }) texts.Add(await Sampled(seed));
        Assert.True(texts.Count > 1, "four seeds gave the same text");
    }

    [Fact]
    public async Task SamplingOptionsReachTheSampler()
    {
        using var model = Load();
        var client = model.AsChatClient();
        string greedy = (await client.GetResponseAsync(Conversation, Greedy(32))).Text;
        async Task<string> With(ChatOptions options) => (await client.GetResponseAsync(Conversation, options)).Text;

        // Hot sampling cut to the single most likely token (top-k 1, top-p near 0, min-p 1) is greedy; without the cut it is not.
        var hot = new ChatOptions { Temperature = 5f, MaxOutputTokens = 32, Seed = 3, TopK = 0, TopP = 1, AdditionalProperties = new() { ["min_p"] = 0.0 } };
        Assert.NotEqual(greedy, await With(hot));
        var topK = hot.Clone(); topK.TopK = 1;
        Assert.Equal(greedy, await With(topK));
        var topP = hot.Clone(); topP.TopP = 1e-6f;
        Assert.Equal(greedy, await With(topP));
        var minP = hot.Clone(); minP.AdditionalProperties = new() { ["min_p"] = 1.0 };
        Assert.Equal(greedy, await With(minP));

        // Penalties on recent tokens change the greedy answer.
        var repeat = Greedy(32); repeat.AdditionalProperties = new() { ["repeat_penalty"] = 3.0 };
        Assert.NotEqual(greedy, await With(repeat));
        var frequency = Greedy(32); frequency.FrequencyPenalty = 5;
        Assert.NotEqual(greedy, await With(frequency));
        var presence = Greedy(32); presence.PresencePenalty = 5;
        Assert.NotEqual(greedy, await With(presence));
    }

    [Theory]
    [InlineData("Temperature")]
    [InlineData("TopP")]
    [InlineData("TopK")]
    [InlineData("MaxOutputTokens")]
    [InlineData("min_p")]
    [InlineData("repeat_penalty")]
    public async Task AnInvalidValueIsAnErrorNamingIt(string option)
    {
        using var model = Load();
        var options = option switch
        {
            "Temperature" => new ChatOptions { Temperature = -1 },
            "TopP" => new ChatOptions { TopP = 1.5f },
            "TopK" => new ChatOptions { TopK = -3 },
            "MaxOutputTokens" => new ChatOptions { MaxOutputTokens = 0 },
            "min_p" => new ChatOptions { AdditionalProperties = new() { ["min_p"] = "lots" } },
            _ => new ChatOptions { AdditionalProperties = new() { ["repeat_penalty"] = -1 } },
        };
        var error = await Assert.ThrowsAnyAsync<ArgumentException>(() => model.AsChatClient().GetResponseAsync(Conversation, options));
        string name = option switch { "MaxOutputTokens" => "MaxTokens", "repeat_penalty" => "RepeatPenalty", _ => option };
        Assert.Equal(name, error.ParamName);
    }

    [Fact]
    public async Task ToolsBesideAJsonFormat_AndASchemaThatCannotBeHeld_AreRefused_NamingTheOption()
    {
        using var model = Load();
        var client = model.AsChatClient();
        var tools = await Assert.ThrowsAsync<NotSupportedException>(() => client.GetResponseAsync(Conversation,
            new ChatOptions { Tools = [AIFunctionFactory.Create(() => 42, "answer")], ResponseFormat = ChatResponseFormat.Json }));
        Assert.Contains("Tools", tools.Message);
        var schema = ChatResponseFormat.ForJsonSchema(JsonDocument.Parse("""{"type": "object", "properties": {"a": {"type": "string", "pattern": "^(?<=x)"}}}""").RootElement, "answer");
        var json = await Assert.ThrowsAsync<ArgumentException>(() => client.GetResponseAsync(Conversation, new ChatOptions { ResponseFormat = schema }));
        Assert.Equal(nameof(CompletionOptions.JsonSchema), json.ParamName);
        Assert.Contains("#/properties/a: \"pattern\"", json.Message);
        Assert.NotEmpty((await client.GetResponseAsync(Conversation, new ChatOptions { ResponseFormat = ChatResponseFormat.Text, MaxOutputTokens = 4 })).Text);
    }

    public enum Sky { Sunny, Rainy, Cloudy }

    /// <summary>Every field bounded (by its type or an attribute), so any answer the schema allows fits in the token limit.</summary>
    public sealed record Forecast([property: MaxLength(12)] string City, Sky Sky, bool Windy, [property: Length(1, 3)] List<Sky> Next, [property: Range(0, 9)] int Level,
        [property: Range(0.0, 1.0)] double Chance);

    [Fact]
    public async Task GetResponseAsyncOfAType_GivesAnInstance_ThatKeepsTheSchemasBounds()
    {
        using var model = Load();
        var client = model.AsChatClient();
        foreach (float temperature in new[] { 0f, 1f })
        {
            var response = await client.GetResponseAsync<Forecast>("The weather in the Union", new ChatOptions { Temperature = temperature, Seed = 3, MaxOutputTokens = 400 });
            Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
            Assert.True(response.TryGetResult(out var forecast), response.Text);
            Assert.InRange(forecast!.City.EnumerateRunes().Count(), 0, 12);
            Assert.InRange(forecast.Next.Count, 1, 3);
            Assert.InRange(forecast.Level, 0, 9);
            Assert.InRange(forecast.Chance, 0.0, 1.0);
            Assert.True(Enum.IsDefined(forecast.Sky) && forecast.Next.All(Enum.IsDefined), response.Text);
        }
    }

    /// <summary>
    /// System.Text.Json's schema gives these a format (date-time, date, time, uuid); the bundled model's small vocabulary
    /// spells them nearly a token a character, so they fill most of its 256 positions. (A TimeSpan's schema is a pattern
    /// that allows hours past 23, which TimeSpan then refuses: the pattern is held as written.)
    /// </summary>
    public sealed record Appointment(DateTime At, DateTimeOffset Booked, DateOnly Day, TimeOnly Start, Guid Id);

    [Fact]
    public async Task GetResponseAsyncOfATypeWithDatesTimesAndGuids_GivesValuesTheyParse()
    {
        using var model = Load();
        var client = model.AsChatClient();
        foreach (int seed in new[] { 1, 2 })
        {
            var response = await client.GetResponseAsync<Appointment>("The Union", new ChatOptions { Temperature = 1, Seed = seed, MaxOutputTokens = 230 });
            Assert.True(response.FinishReason == ChatFinishReason.Stop, $"{response.FinishReason}: {response.Text}");
            Assert.True(response.TryGetResult(out var appointment), response.Text);
            Assert.NotNull(appointment);
        }
    }

    /// <summary>Microsoft.Extensions.AI writes a decimal's [Range] bounds as strings ("minimum": "0.5").</summary>
    public sealed record Price([property: Range(typeof(decimal), "0.5", "9.5")] decimal Amount, [property: Range(1, 3)] int Count);

    [Fact]
    public async Task GetResponseAsyncOfATypeWithADecimalRange_GivesAnAmountWithinIt()
    {
        using var model = Load();
        var client = model.AsChatClient();
        foreach (int seed in new[] { 1, 2 })
        {
            var response = await client.GetResponseAsync<Price>("The Union", new ChatOptions { Temperature = 1, Seed = seed, MaxOutputTokens = 120 });
            Assert.True(response.TryGetResult(out var price), $"{response.FinishReason}: {response.Text}");
            Assert.InRange(price!.Amount, 0.5m, 9.5m);
            Assert.InRange(price.Count, 1, 3);
        }
    }

    /// <summary>A polymorphic type: System.Text.Json's schema is an anyOf of objects, each with its "kind" constant, which it reads only as the first property.</summary>
    [JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
    [JsonDerivedType(typeof(Circle), "circle")]
    [JsonDerivedType(typeof(Square), "square")]
    public abstract record Shape;

    public sealed record Circle([property: Range(1, 9)] int Radius) : Shape;

    public sealed record Square([property: Range(1, 9)] int Side, bool Filled) : Shape;

    public sealed record Sketch(Shape Main, [property: Length(1, 2)] List<Shape> More);

    [Fact]
    public async Task GetResponseAsyncOfAPolymorphicType_GivesAnInstanceOfADerivedType()
    {
        using var model = Load();
        var client = model.AsChatClient();
        var kinds = new HashSet<Type>();
        foreach (int seed in new[] { 1, 2, 3, 4 })
        {
            var response = await client.GetResponseAsync<Sketch>("The Union", new ChatOptions { Temperature = 1, Seed = seed, MaxOutputTokens = 200 });
            Assert.True(response.FinishReason == ChatFinishReason.Stop, $"{response.FinishReason}: {response.Text}");
            Assert.True(response.TryGetResult(out var sketch), response.Text);
            foreach (var shape in sketch!.More.Prepend(sketch.Main))
            {
                kinds.Add(shape.GetType());
                Assert.InRange(shape switch { Circle c => c.Radius, Square q => q.Side, _ => 0 }, 1, 9);
            }
        }
        Assert.Equal(2, kinds.Count); // both branches are drawn
    }

    [Fact]
    public async Task JsonResponseFormat_GivesTheStartOfAJsonObject_OrAWholeOne()
    {
        using var model = Load();
        var client = model.AsChatClient();
        foreach (int seed in new[] { 1, 2, 3 })
        {
            var response = await client.GetResponseAsync(Conversation, new ChatOptions { ResponseFormat = ChatResponseFormat.Json, MaxOutputTokens = 48, Seed = seed });
            Assert.StartsWith("{", response.Text);
            var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(response.Text), isFinalBlock: false, state: default);
            while (reader.Read()) { } // the start of a JSON text: no error, though more may be needed
            if (response.FinishReason == ChatFinishReason.Stop) JsonDocument.Parse(response.Text).Dispose();
            else Assert.Equal(ChatFinishReason.Length, response.FinishReason);
        }
    }

    [Fact]
    public async Task ARequiredTool_IsCalled_WithArgumentsItsSchemaAllows_WholeAndStreamed()
    {
        using var model = LoadForTools();
        var client = model.AsChatClient();
        var forecast = AIFunctionFactory.Create((Sky sky, [Range(1, 5)] int days) => $"{sky} for {days} days", "get_forecast", "The forecast");
        var options = new ChatOptions { Tools = [forecast], ToolMode = ChatToolMode.RequireAny, AllowMultipleToolCalls = false, Temperature = 0.8f, Seed = 4, MaxOutputTokens = 600 };
        var response = await client.GetResponseAsync("The weather in the Union", options);
        Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
        var call = Assert.Single(response.Messages.Single().Contents.OfType<FunctionCallContent>());
        Assert.Equal("get_forecast", call.Name);
        Assert.StartsWith("call_", call.CallId);
        Assert.True(Enum.TryParse<Sky>(((JsonElement)call.Arguments!["sky"]!).GetString(), out _));
        Assert.InRange(((JsonElement)call.Arguments["days"]!).GetInt32(), 1, 5);

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync("The weather in the Union", options)) updates.Add(update);
        var streamed = updates.ToChatResponse();
        Assert.Equal(ChatFinishReason.ToolCalls, streamed.FinishReason);
        var streamedCall = Assert.Single(streamed.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.Equal(JsonSerializer.Serialize(call.Arguments), JsonSerializer.Serialize(streamedCall.Arguments)); // the same seed, the same call
    }

    [Fact]
    public async Task WithTools_ATextAnswerStreamsAsItComes_AndEqualsTheWholeAnswer()
    {
        using var model = LoadForTools();
        var client = model.AsChatClient();
        var forecast = AIFunctionFactory.Create((Sky sky, [Range(1, 5)] int days) => $"{sky} for {days} days", "get_forecast", "The forecast");
        int texts = 0;
        for (int seed = 1; seed <= 16 && texts < 2; seed++) // auto: text or a call, by seed
        {
            var options = new ChatOptions { Tools = [forecast], Temperature = 1, Seed = seed, MaxOutputTokens = 300 };
            var whole = await client.GetResponseAsync("The weather in the Union", options);
            if (whole.Messages.Single().Contents.OfType<FunctionCallContent>().Any()) continue;
            texts++;
            var updates = new List<ChatResponseUpdate>();
            await foreach (var update in client.GetStreamingResponseAsync("The weather in the Union", options)) updates.Add(update);
            Assert.Equal(whole.Text, string.Concat(updates.Select(u => u.Text)));
            Assert.Equal(whole.FinishReason, updates.ToChatResponse().FinishReason);
            Assert.True(whole.Text.Length < 8 || updates.Count(u => u.Text.Length > 0) > 2, $"{whole.Text.Length} characters came in {updates.Count} updates");
        }
        Assert.True(texts > 0, "no seed gave a text answer");
    }

    [Fact]
    public async Task WithTools_AnAnswerTheLimitCuts_IsWhatCame_WholeAndStreamed()
    {
        using var model = LoadForTools();
        var client = model.AsChatClient();
        var forecast = AIFunctionFactory.Create((Sky sky, [Range(1, 5)] int days) => $"{sky} for {days} days", "get_forecast", "The forecast");
        foreach (int limit in new[] { 10, 30, 45, 60, 80 })
        {
            var options = new ChatOptions { Tools = [forecast], ToolMode = ChatToolMode.RequireAny, Temperature = 0, MaxOutputTokens = limit };
            var whole = await client.GetResponseAsync("The weather in the Union", options);
            var updates = new List<ChatResponseUpdate>();
            await foreach (var update in client.GetStreamingResponseAsync("The weather in the Union", options)) updates.Add(update);
            var streamed = updates.ToChatResponse();
            if (whole.FinishReason != ChatFinishReason.Length) continue; // the call fit
            Assert.Equal(ChatFinishReason.Length, streamed.FinishReason);
            var calls = whole.Messages.Single().Contents.OfType<FunctionCallContent>().ToList();
            var streamedCalls = streamed.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().ToList();
            Assert.Equal(calls.Select(c => (c.Name, c.Exception is null)), streamedCalls.Select(c => (c.Name, c.Exception is null)));
            if (calls.Count == 0) Assert.Equal("", whole.Text); // cut before a call started: nothing of the format's punctuation
            else Assert.All(calls, c => Assert.True(c.Exception is not null || c.Arguments is not null));
        }
    }

    [Fact]
    public async Task UseFunctionInvocation_CallsTheFunction_ThenAnswersWithItsResultInTheConversation()
    {
        using var model = LoadForTools();
        var invocations = new List<(Sky Sky, int Days)>();
        var forecast = AIFunctionFactory.Create((Sky sky, [Range(1, 5)] int days) =>
        {
            invocations.Add((sky, days));
            return $"{sky} for {days} days";
        }, "get_forecast", "The forecast");
        IChatClient client = new ChatClientBuilder(model.AsChatClient()).UseFunctionInvocation(configure: f => f.MaximumIterationsPerRequest = 2).Build();
        var response = await client.GetResponseAsync("The weather in the Union",
            new ChatOptions { Tools = [forecast], ToolMode = ChatToolMode.RequireAny, AllowMultipleToolCalls = false, Temperature = 0.8f, Seed = 4, MaxOutputTokens = 600 });

        Assert.NotEmpty(invocations);
        Assert.All(invocations, i => Assert.InRange(i.Days, 1, 5));
        var contents = response.Messages.SelectMany(m => m.Contents).ToList();
        Assert.Equal(contents.OfType<FunctionCallContent>().Select(c => c.CallId), contents.OfType<FunctionResultContent>().Select(r => r.CallId));
        Assert.Equal(ChatRole.Assistant, response.Messages[^1].Role);
    }

    [Fact]
    public async Task CancellingMidStreamFreesTheSequence()
    {
        using var model = Load();
        var client = model.AsChatClient();
        using var cancel = new CancellationTokenSource();
        int pieces = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in client.GetStreamingResponseAsync(Conversation, new ChatOptions { Temperature = 0, MaxOutputTokens = 200 }, cancel.Token))
                if (++pieces == 3) cancel.Cancel();
        });
        Assert.Equal(3, pieces);
        for (int i = 0; i < 100 && model.Counters.Running > 0; i++) await Task.Delay(20);
        Assert.Equal(0, model.Counters.Running);
        // Cancelled, unless the machine was so busy (a loaded CI runner) that this small model generated the whole answer
        // before the cancel reached the scheduler: either way the request has ended and its one slot is free again.
        Assert.Equal(1, model.Counters.Cancelled + model.Counters.Completed);
        Assert.Equal(4, (await client.GetResponseAsync(Conversation, Greedy(4))).Usage!.OutputTokenCount); // the one slot is free again
    }

    [Fact]
    public async Task EightConcurrentCallsEachEqualTheSameCallAlone()
    {
        string[] questions = ["The state of the Union", "Our economy", "The war", "Congress", "Taxes", "Schools", "Freedom", "The budget"];
        using var model = Load(parallel: 4);
        var client = model.AsChatClient();
        var alone = new List<string>();
        foreach (var q in questions) alone.Add((await client.GetResponseAsync(q, Greedy(16))).Text);

        var together = await Task.WhenAll(questions.Select(q => Task.Run(() => client.GetResponseAsync(q, Greedy(16)))));
        Assert.Equal(alone, together.Select(r => r.Text));
        Assert.True(alone.Distinct().Count() > 1);
    }

    [Fact]
    public void GetServiceReturnsMetadataAndTheModel()
    {
        using var model = Load();
        var client = model.AsChatClient();
        var metadata = client.GetService<ChatClientMetadata>();
        Assert.Equal("bitnet-gpu", metadata!.ProviderName);
        Assert.Equal("bitnet-sotu-6m-i2_s", metadata.DefaultModelId);
        Assert.Same(model, client.GetService<BitNetModel>());
        Assert.Null(client.GetService<ChatClientMetadata>("key"));
    }
}
