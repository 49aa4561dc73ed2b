#pragma warning disable OPENAI001 // ChatCompletionOptions.Seed is marked experimental in the SDK
using System.ClientModel;
using System.Text;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Models;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;
using AiFinishReason = Microsoft.Extensions.AI.ChatFinishReason;
using ChatFinishReason = OpenAI.Chat.ChatFinishReason;
using ChatMessage = OpenAI.Chat.ChatMessage;

namespace BitNet.Gpu.Tests.Server;

/// <summary>
/// The server through real clients: the official OpenAI .NET SDK's ChatClient and Microsoft.Extensions.AI's IChatClient
/// over it, pointed at the server's /v1. Greedy answers are held to the library's own completion of the same prompt.
/// </summary>
[Collection(ServerCollection.Name)]
public class OpenAiClientTests(ServerFixture fixture)
{
    static readonly ChatMessage[] Hello = [new SystemChatMessage("Be brief."), new UserChatMessage("Tell me about the Union.")];

    ChatClient Sdk(string? key = null) => new("bitnet", new ApiKeyCredential(key ?? "unused"), new OpenAIClientOptions { Endpoint = new Uri(fixture.Server.Address, "v1") });

    static ChatCompletionOptions Greedy(int maxTokens = 24) => new() { Temperature = 0, MaxOutputTokenCount = maxTokens };

    async Task<CompletionResult> LibraryGreedy(int maxTokens, params (string Role, string Content)[] messages)
    {
        var model = fixture.Server.Model!;
        return await model.CompleteAsync(model.RenderChat(messages), new CompletionOptions { Temperature = 0, MaxTokens = maxTokens });
    }

    [Fact]
    public async Task TheModelsClient_ListsTheModel_AndRetrievesItByItsId_AnotherIdIsNotFound()
    {
        var models = new OpenAIModelClient(new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(fixture.Server.Address, "v1") });
        string id = fixture.Server.Model!.ModelId;
        Assert.Equal(id, Assert.Single((await models.GetModelsAsync()).Value).Id);
        OpenAIModel model = await models.GetModelAsync(id);
        Assert.Equal(id, model.Id);
        Assert.Equal("bitnet-gpu", model.OwnedBy);
        var missing = await Assert.ThrowsAsync<ClientResultException>(() => models.GetModelAsync("gpt-4o"));
        Assert.Equal(404, missing.Status);
        Assert.Contains("model_not_found", missing.Message);
    }

    [Fact]
    public async Task ChatCompletion_GreedyEqualsTheLibraryWithUsageAndFinishReason()
    {
        ChatCompletion answer = await Sdk().CompleteChatAsync(Hello, Greedy());
        var expected = await LibraryGreedy(24, ("system", "Be brief."), ("user", "Tell me about the Union."));

        Assert.Equal(expected.Text, answer.Content[0].Text);
        Assert.NotEmpty(answer.Content[0].Text);
        Assert.Equal(ChatFinishReason.Length, answer.FinishReason);
        Assert.Equal(expected.PromptTokens, answer.Usage.InputTokenCount);
        Assert.Equal(24, answer.Usage.OutputTokenCount);
        Assert.Equal(expected.PromptTokens + 24, answer.Usage.TotalTokenCount);
        Assert.Equal("bitnet-sotu-6m-i2_s", answer.Model);
        Assert.Equal(ChatMessageRole.Assistant, answer.Role);
    }

    [Fact]
    public async Task StreamedChat_EqualsTheWholeAnswer_AndEndsWithFinishReasonAndUsage()
    {
        ChatCompletion whole = await Sdk().CompleteChatAsync(Hello, Greedy());
        var text = new StringBuilder();
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        int updates = 0;
        await foreach (var update in Sdk().CompleteChatStreamingAsync(Hello, Greedy()))
        {
            updates++;
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
            finish ??= update.FinishReason;
            usage ??= update.Usage;
        }
        Assert.Equal(whole.Content[0].Text, text.ToString());
        Assert.True(updates > 5, $"the answer came in {updates} updates, not piece by piece");
        Assert.Equal(ChatFinishReason.Length, finish);
        Assert.NotNull(usage);
        Assert.Equal(whole.Usage.InputTokenCount, usage.InputTokenCount);
        Assert.Equal(24, usage.OutputTokenCount);
    }

    [Fact]
    public async Task MicrosoftExtensionsAiChatClient_GetsTheSameAnswer_WholeAndStreamed()
    {
        IChatClient chat = Sdk().AsIChatClient();
        AiChatMessage[] messages = [new(ChatRole.System, "Be brief."), new(ChatRole.User, "Tell me about the Union.")];
        var options = new ChatOptions { Temperature = 0, MaxOutputTokens = 24 };
        var expected = await LibraryGreedy(24, ("system", "Be brief."), ("user", "Tell me about the Union."));

        ChatResponse response = await chat.GetResponseAsync(messages, options);
        Assert.Equal(expected.Text, response.Text);
        Assert.Equal(AiFinishReason.Length, response.FinishReason);
        Assert.Equal(expected.PromptTokens, response.Usage?.InputTokenCount);
        Assert.Equal(24, response.Usage?.OutputTokenCount);

        var streamed = new StringBuilder();
        await foreach (var update in chat.GetStreamingResponseAsync(messages, options)) streamed.Append(update.Text);
        Assert.Equal(expected.Text, streamed.ToString());
    }

    [Fact]
    public async Task AStopString_EndsTheAnswerBeforeIt_WithFinishReasonStop()
    {
        string full = (await Sdk().CompleteChatAsync(Hello, Greedy(48))).Value.Content[0].Text;
        string stop = full.Substring(full.Length / 2, 4);
        var options = Greedy(48);
        options.StopSequences.Add(stop);
        ChatCompletion stopped = await Sdk().CompleteChatAsync(Hello, options);

        Assert.Equal(full[..full.IndexOf(stop, StringComparison.Ordinal)], stopped.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, stopped.FinishReason);
        Assert.True(stopped.Usage.OutputTokenCount < 48);
    }

    [Fact]
    public async Task TheSameSeed_GivesTheSameSampledAnswer_AndAnotherSeedAnotherOne()
    {
        async Task<string> Sampled(long seed) =>
            (await Sdk().CompleteChatAsync(Hello, new ChatCompletionOptions { Temperature = 1.5f, TopP = 1, MaxOutputTokenCount = 32, Seed = seed })).Value.Content[0].Text;

        string first = await Sampled(42);
        Assert.Equal(first, await Sampled(42));
        var others = new[] { await Sampled(1), await Sampled(2), await Sampled(3) };
        Assert.Contains(others, o => o != first);
    }

    [Fact]
    public async Task AWrongApiKeyIsNotNeeded_WhenTheServerHasNone()
    {
        ChatCompletion answer = await Sdk("anything").CompleteChatAsync(Hello, Greedy(4));
        Assert.Equal(4, answer.Usage.OutputTokenCount);
    }

    [Fact]
    public async Task TextCompletion_OfAStringOrItsTokenIds_EqualsTheLibrary_WholeAndStreamed()
    {
        var model = fixture.Server.Model!;
        var expected = await model.CompleteAsync("The state of the Union", new CompletionOptions { Temperature = 0, MaxTokens = 20 });
        var client = fixture.Client;

        var whole = await client.PostAsync("/v1/completions", """{"prompt": "The state of the Union", "max_tokens": 20, "temperature": 0}""");
        Assert.Equal(System.Net.HttpStatusCode.OK, whole.Status);
        var choice = whole.Json.GetProperty("choices")[0];
        Assert.Equal(expected.Text, choice.GetProperty("text").GetString());
        Assert.Equal("length", choice.GetProperty("finish_reason").GetString());
        Assert.Equal("text_completion", whole.Json.GetProperty("object").GetString());
        Assert.Equal(expected.PromptTokens, whole.Json.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(20, whole.Json.GetProperty("usage").GetProperty("completion_tokens").GetInt32());

        string ids = string.Join(",", model.TokenizePrompt("The state of the Union"));
        var byIds = await client.PostAsync("/v1/completions", $$"""{"prompt": [{{ids}}], "max_tokens": 20, "temperature": 0}""");
        Assert.Equal(expected.Text, byIds.Json.GetProperty("choices")[0].GetProperty("text").GetString());

        using var response = await client.StartStreamAsync("/v1/completions",
            """{"prompt": "The state of the Union", "max_tokens": 20, "temperature": 0, "stream": true, "stream_options": {"include_usage": true}}""");
        var events = await ServerClient.ReadEventsAsync(response);
        Assert.Equal("[DONE]", events[^1]);
        var chunks = events[..^1].Select(e => System.Text.Json.JsonDocument.Parse(e).RootElement).ToList();
        string streamed = string.Concat(chunks.Where(c => c.GetProperty("choices").GetArrayLength() > 0)
                                              .Select(c => c.GetProperty("choices")[0].GetProperty("text").GetString()));
        Assert.Equal(expected.Text, streamed);
        Assert.Equal("length", chunks[^2].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal(20, chunks[^1].GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task ChatLogprobs_ComeWithEveryToken_WholeAndStreamed_AsTheLibraryGivesThem()
    {
        var options = Greedy();
        options.IncludeLogProbabilities = true;
        options.TopLogProbabilityCount = 3;
        ChatCompletion answer = await Sdk().CompleteChatAsync(Hello, options);
        ChatCompletion plain = await Sdk().CompleteChatAsync(Hello, Greedy());

        Assert.Equal(plain.Content[0].Text, answer.Content[0].Text);
        Assert.Empty(plain.ContentTokenLogProbabilities);
        var logprobs = answer.ContentTokenLogProbabilities;
        Assert.Equal(24, logprobs.Count); // finish_reason length: every generated token
        Assert.Equal(answer.Content[0].Text, Encoding.UTF8.GetString(logprobs.SelectMany(l => l.Utf8Bytes?.ToArray() ?? Array.Empty<byte>()).ToArray()));
        foreach (var token in logprobs)
        {
            Assert.Equal(3, token.TopLogProbabilities.Count);
            Assert.Equal(token.TopLogProbabilities[0].Token, token.Token); // greedy: the most likely token
            Assert.Equal(token.TopLogProbabilities[0].LogProbability, token.LogProbability);
            Assert.True(token.LogProbability <= 0);
            Assert.True(token.TopLogProbabilities[1].LogProbability <= token.TopLogProbabilities[0].LogProbability);
        }

        var model = fixture.Server.Model!;
        var library = new List<CompletionToken>();
        var stream = model.StartCompletion(model.RenderChat([("system", "Be brief."), ("user", "Tell me about the Union.")]),
                                           new CompletionOptions { Temperature = 0, MaxTokens = 24, Logprobs = true, TopLogprobs = 3 });
        await foreach (var piece in stream.ReadPiecesAsync()) library.AddRange(piece.Tokens);
        Assert.Equal(library.Select(t => (t.Text, t.Logprob)), logprobs.Select(l => (l.Token, l.LogProbability)));

        var streamed = new List<ChatTokenLogProbabilityDetails>();
        await foreach (var update in Sdk().CompleteChatStreamingAsync(Hello, options)) streamed.AddRange(update.ContentTokenLogProbabilities);
        Assert.Equal(logprobs.Select(l => (l.Token, l.LogProbability, l.TopLogProbabilities.Count)),
                     streamed.Select(l => (l.Token, l.LogProbability, l.TopLogProbabilities.Count)));
    }

    [Fact]
    public async Task JsonObjectFormat_GivesJson_AsTheLibraryDoes()
    {
        var options = new ChatCompletionOptions { Temperature = 0.8f, Seed = 5, MaxOutputTokenCount = 40, ResponseFormat = OpenAI.Chat.ChatResponseFormat.CreateJsonObjectFormat() };
        ChatCompletion answer = await Sdk().CompleteChatAsync(Hello, options);
        string text = answer.Content[0].Text;

        var model = fixture.Server.Model!;
        var expected = await model.CompleteAsync(model.RenderChat([("system", "Be brief."), ("user", "Tell me about the Union.")]),
                                                 new CompletionOptions { Temperature = 0.8f, Seed = 5, MaxTokens = 40, JsonObject = true });
        Assert.Equal(expected.Text, text);
        Assert.StartsWith("{", text);
        var reader = new System.Text.Json.Utf8JsonReader(Encoding.UTF8.GetBytes(text), isFinalBlock: answer.FinishReason == ChatFinishReason.Stop, state: default);
        while (reader.Read()) { } // a whole object when it stopped by itself, else the start of one
    }

    const string ForecastSchema = """
        {"type": "object", "properties": {"city": {"type": "string", "maxLength": 10}, "level": {"type": "integer", "minimum": 1, "maximum": 5},
         "sky": {"enum": ["sunny", "rainy"]}, "next": {"type": ["array", "null"], "items": {"$ref": "#/properties/sky"}, "maxItems": 2}},
         "required": ["city", "level", "sky"], "additionalProperties": false}
        """;

    [Fact]
    public async Task JsonSchemaFormat_GivesAnObjectTheSchemaAccepts_AsTheLibraryDoes_WholeAndStreamed()
    {
        var format = OpenAI.Chat.ChatResponseFormat.CreateJsonSchemaFormat("forecast", BinaryData.FromString(ForecastSchema), jsonSchemaIsStrict: true);
        var options = new ChatCompletionOptions { Temperature = 0.8f, Seed = 9, MaxOutputTokenCount = 200, ResponseFormat = format };
        ChatCompletion answer = await Sdk().CompleteChatAsync(Hello, options);
        string text = answer.Content[0].Text;

        var model = fixture.Server.Model!;
        var expected = await model.CompleteAsync(model.RenderChat([("system", "Be brief."), ("user", "Tell me about the Union.")]),
            new CompletionOptions { Temperature = 0.8f, Seed = 9, MaxTokens = 200, JsonSchema = System.Text.Json.JsonDocument.Parse(ForecastSchema).RootElement });
        Assert.Equal(expected.Text, text);
        Assert.Equal(ChatFinishReason.Stop, answer.FinishReason); // every field is bounded: the object closes within the limit
        using var document = System.Text.Json.JsonDocument.Parse(text);
        var root = document.RootElement;
        Assert.InRange(root.GetProperty("city").GetString()!.EnumerateRunes().Count(), 0, 10);
        Assert.InRange(root.GetProperty("level").GetInt32(), 1, 5);
        Assert.Contains(root.GetProperty("sky").GetString(), new[] { "sunny", "rainy" });
        Assert.All(root.EnumerateObject(), p => Assert.Contains(p.Name, new[] { "city", "level", "sky", "next" }));

        var streamed = new StringBuilder();
        await foreach (var update in Sdk().CompleteChatStreamingAsync(Hello, options))
            foreach (var part in update.ContentUpdate) streamed.Append(part.Text);
        Assert.Equal(text, streamed.ToString());
    }

    /// <summary>A discriminated union as Pydantic writes it: oneOf of references, told apart by a required constant.</summary>
    const string PetSchema = """
        {"type": "object", "properties": {"pet": {"oneOf": [{"$ref": "#/$defs/cat"}, {"$ref": "#/$defs/dog"}], "discriminator": {"propertyName": "pet_type"}}},
         "required": ["pet"], "additionalProperties": false,
         "$defs": {"cat": {"type": "object", "properties": {"pet_type": {"const": "cat"}, "lives": {"type": "integer", "minimum": 1, "maximum": 9}}, "required": ["pet_type", "lives"], "additionalProperties": false},
                   "dog": {"type": "object", "properties": {"pet_type": {"const": "dog"}, "good": {"type": "boolean"}}, "required": ["pet_type", "good"], "additionalProperties": false}}}
        """;

    [Fact]
    public async Task JsonSchemaFormat_WithADiscriminatedUnion_GivesOneBranchWhole_AsTheLibraryDoes()
    {
        var format = OpenAI.Chat.ChatResponseFormat.CreateJsonSchemaFormat("pet", BinaryData.FromString(PetSchema), jsonSchemaIsStrict: true);
        var model = fixture.Server.Model!;
        var kinds = new HashSet<string>();
        foreach (int seed in new[] { 1, 2, 3, 4 })
        {
            var options = new ChatCompletionOptions { Temperature = 1, Seed = seed, MaxOutputTokenCount = 200, ResponseFormat = format };
            ChatCompletion answer = await Sdk().CompleteChatAsync(Hello, options);
            string text = answer.Content[0].Text;
            var expected = await model.CompleteAsync(model.RenderChat([("system", "Be brief."), ("user", "Tell me about the Union.")]),
                new CompletionOptions { Temperature = 1, Seed = (ulong)seed, MaxTokens = 200, JsonSchema = System.Text.Json.JsonDocument.Parse(PetSchema).RootElement });
            Assert.Equal(expected.Text, text);
            Assert.Equal(ChatFinishReason.Stop, answer.FinishReason);
            using var document = System.Text.Json.JsonDocument.Parse(text);
            var pet = document.RootElement.GetProperty("pet");
            string kind = pet.GetProperty("pet_type").GetString()!;
            kinds.Add(kind);
            var names = pet.EnumerateObject().Select(p => p.Name).Order().ToArray();
            if (kind == "cat") { Assert.Equal(["lives", "pet_type"], names); Assert.InRange(pet.GetProperty("lives").GetInt32(), 1, 9); }
            else { Assert.Equal("dog", kind); Assert.Equal(["good", "pet_type"], names); Assert.True(pet.GetProperty("good").ValueKind is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False); }
        }
        Assert.Equal(2, kinds.Count); // both branches are drawn
    }

    public enum Gauge { Low, Normal, High }

    /// <summary>
    /// Bounded by its types alone: Microsoft.Extensions.AI.OpenAI rewrites a schema for OpenAI's strict mode and moves
    /// keywords such as maxLength and minimum into the description, so only types and enums reach the server.
    /// </summary>
    public sealed record Reading(Gauge Gauge, bool Checked, Gauge Tomorrow);

    [Fact]
    public async Task MicrosoftExtensionsAiOverTheSdk_GetResponseAsyncOfAType_GivesAnInstance()
    {
        IChatClient chat = Sdk().AsIChatClient();
        var response = await chat.GetResponseAsync<Reading>("Read the gauge.", new ChatOptions { Temperature = 0, MaxOutputTokens = 200 });
        Assert.True(response.FinishReason == AiFinishReason.Stop, response.Text); // every field is bounded: the object closes within the limit
        Assert.True(response.TryGetResult(out var reading), response.Text);
        Assert.True(Enum.IsDefined(reading!.Gauge) && Enum.IsDefined(reading.Tomorrow), response.Text);
    }

    [Fact]
    public async Task TextCompletionLogprobs_ListTokensOffsetsAndTheMostLikely_WholeAndStreamed()
    {
        var client = fixture.Client;
        const string request = """{"prompt": "The state of the Union", "max_tokens": 20, "temperature": 0, "logprobs": 2""";
        var whole = (await client.PostAsync("/v1/completions", request + "}")).Json.GetProperty("choices")[0];
        string text = whole.GetProperty("text").GetString()!;
        var logprobs = whole.GetProperty("logprobs");
        string[] tokens = logprobs.GetProperty("tokens").EnumerateArray().Select(t => t.GetString()!).ToArray();
        float[] values = logprobs.GetProperty("token_logprobs").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        int[] offsets = logprobs.GetProperty("text_offset").EnumerateArray().Select(v => v.GetInt32()).ToArray();
        var tops = logprobs.GetProperty("top_logprobs").EnumerateArray().ToArray();

        Assert.Equal(20, tokens.Length);
        Assert.Equal(text, string.Concat(tokens));
        Assert.Equal(20, values.Length);
        Assert.All(values, v => Assert.True(v <= 0));
        Assert.Equal(0, offsets[0]);
        for (int i = 1; i < tokens.Length; i++) Assert.Equal(offsets[i - 1] + tokens[i - 1].Length, offsets[i]);
        for (int i = 0; i < tokens.Length; i++)
        {
            var top = tops[i].EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetSingle());
            Assert.InRange(top.Count, 2, 3); // the two most likely, and the chosen one when it is not among them
            Assert.Equal(values[i], top[tokens[i]]);
            Assert.Equal(top.Values.Max(), values[i]); // greedy
        }

        using var response = await client.StartStreamAsync("/v1/completions", request + """, "stream": true}""");
        var events = await ServerClient.ReadEventsAsync(response);
        var chunkLogprobs = events[..^1].Select(e => System.Text.Json.JsonDocument.Parse(e).RootElement.GetProperty("choices")[0].GetProperty("logprobs"))
                                        .Where(l => l.ValueKind != System.Text.Json.JsonValueKind.Null).ToList();
        Assert.Equal(tokens, chunkLogprobs.SelectMany(l => l.GetProperty("tokens").EnumerateArray().Select(t => t.GetString()!)));
        Assert.Equal(offsets, chunkLogprobs.SelectMany(l => l.GetProperty("text_offset").EnumerateArray().Select(v => v.GetInt32())));
        Assert.Equal(values, chunkLogprobs.SelectMany(l => l.GetProperty("token_logprobs").EnumerateArray().Select(v => v.GetSingle())));
    }

    [Fact]
    public async Task EchoWithLogprobs_ScoresEveryPromptToken_AsTheLibraryDoes_WholeAndStreamed()
    {
        // lm-evaluation-harness's loglikelihood request: token ids in, max_tokens 0, echo, logprobs.
        var model = fixture.Server.Model!;
        int[] ids = model.TokenizePrompt("The state of the Union is strong");
        string request = $$"""{"prompt": [{{string.Join(",", ids)}}], "max_tokens": 0, "echo": true, "logprobs": 1, "temperature": 0""";
        var whole = (await fixture.Client.PostAsync("/v1/completions", request + "}")).Json.GetProperty("choices")[0];
        var logprobs = whole.GetProperty("logprobs");
        string[] tokens = logprobs.GetProperty("tokens").EnumerateArray().Select(t => t.GetString()!).ToArray();
        var values = logprobs.GetProperty("token_logprobs").EnumerateArray().ToArray();
        var tops = logprobs.GetProperty("top_logprobs").EnumerateArray().ToArray();
        int[] offsets = logprobs.GetProperty("text_offset").EnumerateArray().Select(v => v.GetInt32()).ToArray();

        Assert.Equal(ids.Length, tokens.Length);
        Assert.Equal(whole.GetProperty("text").GetString(), string.Concat(tokens)); // the prompt, and nothing generated
        Assert.Equal("length", whole.GetProperty("finish_reason").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, values[0].ValueKind); // nothing before the first token
        Assert.Equal(System.Text.Json.JsonValueKind.Null, tops[0].ValueKind);
        for (int i = 1; i < tokens.Length; i++) Assert.Equal(offsets[i - 1] + tokens[i - 1].Length, offsets[i]);

        var stream = model.StartCompletion(ids, new CompletionOptions { Temperature = 0, MaxTokens = 0, PromptLogprobs = true, TopLogprobs = 1 });
        IReadOnlyList<CompletionToken>? expected = null;
        await foreach (var piece in stream.ReadPiecesAsync()) expected ??= piece.PromptTokens;
        Assert.Equal(expected!.Skip(1).Select(t => t.Logprob), values.Skip(1).Select(v => v.GetSingle()));
        for (int i = 1; i < tokens.Length; i++)
        {
            var top = tops[i].EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetSingle());
            Assert.Equal(values[i].GetSingle(), top[tokens[i]]); // the prompt's own token is always in the map
        }

        using var response = await fixture.Client.StartStreamAsync("/v1/completions", request + """, "stream": true}""");
        var events = await ServerClient.ReadEventsAsync(response);
        var first = System.Text.Json.JsonDocument.Parse(events[0]).RootElement.GetProperty("choices")[0];
        Assert.Equal(string.Concat(tokens), first.GetProperty("text").GetString());
        Assert.Equal(values.Skip(1).Select(v => v.GetSingle()), first.GetProperty("logprobs").GetProperty("token_logprobs").EnumerateArray().Skip(1).Select(v => v.GetSingle()));
    }

    [Fact]
    public async Task PromptLogprobs_ListEachPromptPositionAsVllmDoes_OnCompletionsAndChat()
    {
        var model = fixture.Server.Model!;
        int[] ids = model.TokenizePrompt("The state of the Union is strong");
        var stream = model.StartCompletion(ids, new CompletionOptions { Temperature = 0, MaxTokens = 1, PromptLogprobs = true, TopLogprobs = 3 });
        IReadOnlyList<CompletionToken>? scored = null;
        await foreach (var piece in stream.ReadPiecesAsync()) scored ??= piece.PromptTokens;

        // Completions: prompt_logprobs 3 beside logprobs 1 (the generated token's list stays at one alternative).
        var choice = (await fixture.Client.PostAsync("/v1/completions",
            $$"""{"prompt": [{{string.Join(",", ids)}}], "max_tokens": 1, "temperature": 0, "logprobs": 1, "prompt_logprobs": 3}""")).Json.GetProperty("choices")[0];
        Assert.Single(choice.GetProperty("logprobs").GetProperty("top_logprobs")[0].EnumerateObject());
        AssertPromptLogprobs(choice.GetProperty("prompt_logprobs"), ids, scored!, top: 3);
        Assert.DoesNotContain("state of the Union", choice.GetProperty("text").GetString()); // no echo: the text is the answer alone

        // Chat: the rendered prompt (template included) is scored once, at the top level, whatever n is.
        int[] chat = model.RenderChat([("user", "Hello")]);
        var whole = (await fixture.Client.PostAsync("/v1/chat/completions",
            """{"messages": [{"role": "user", "content": "Hello"}], "max_tokens": 2, "n": 2, "prompt_logprobs": 0}""")).Json;
        var entries = whole.GetProperty("prompt_logprobs");
        Assert.Equal(chat.Length, entries.GetArrayLength());
        Assert.Equal(chat.Length, whole.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        for (int i = 1; i < chat.Length; i++)
        {
            var only = Assert.Single(entries[i].EnumerateObject()); // 0 alternatives: the prompt's own token alone
            Assert.Equal(chat[i].ToString(), only.Name);
            Assert.True(only.Value.GetProperty("rank").GetInt32() >= 1);
        }
        Assert.False(whole.GetProperty("choices")[0].TryGetProperty("prompt_logprobs", out _));
    }

    /// <summary>Null first; then per position the prompt's own token (its logprob as the library scores it, its rank:
    /// 1 + the alternatives listed above it when it is not among them) and the position's <paramref name="top"/> most likely tokens, ranked 1, 2, ….</summary>
    static void AssertPromptLogprobs(System.Text.Json.JsonElement entries, int[] ids, IReadOnlyList<CompletionToken> scored, int top)
    {
        Assert.Equal(ids.Length, entries.GetArrayLength());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, entries[0].ValueKind);
        for (int i = 1; i < ids.Length; i++)
        {
            var entry = entries[i].EnumerateObject().ToDictionary(p => int.Parse(p.Name), p => p.Value);
            var own = entry[ids[i]];
            Assert.Equal(scored[i].Logprob, own.GetProperty("logprob").GetSingle());
            Assert.Equal(scored[i].Text, own.GetProperty("decoded_token").GetString());
            int rank = own.GetProperty("rank").GetInt32();
            var alternatives = scored[i].Top.Take(top).ToArray();
            Assert.Equal(alternatives.Length + (alternatives.Any(a => a.Id == ids[i]) ? 0 : 1), entry.Count);
            for (int k = 0; k < alternatives.Length; k++)
            {
                if (alternatives[k].Id == ids[i]) continue;
                Assert.Equal(k + 1, entry[alternatives[k].Id].GetProperty("rank").GetInt32());
                Assert.Equal(alternatives[k].Logprob, entry[alternatives[k].Id].GetProperty("logprob").GetSingle());
            }
            if (!alternatives.Any(a => a.Id == ids[i])) Assert.True(rank > alternatives.Length, $"position {i}: rank {rank} yet not among the {alternatives.Length} most likely");
            else Assert.Equal(Array.FindIndex(alternatives, a => a.Id == ids[i]) + 1, rank);
        }
    }

    [Fact]
    public async Task NChoices_AreSeededCompletionsOfTheirOwn_WholeAndStreamed()
    {
        var model = fixture.Server.Model!;
        var prompt = model.RenderChat([("user", "Tell me about the Union.")]);
        var expected = new List<CompletionResult>();
        for (int i = 0; i < 3; i++) // choice i samples with seed + i
            expected.Add(await model.CompleteAsync(prompt, new CompletionOptions { Temperature = 1.2f, Seed = 11UL + (ulong)i, MaxTokens = 16 }));
        const string body = """{"messages": [{"role": "user", "content": "Tell me about the Union."}], "n": 3, "temperature": 1.2, "seed": 11, "max_tokens": 16""";

        var whole = (await fixture.Client.PostAsync("/v1/chat/completions", body + "}")).Json;
        var choices = whole.GetProperty("choices").EnumerateArray().ToArray();
        Assert.Equal([0, 1, 2], choices.Select(c => c.GetProperty("index").GetInt32()));
        Assert.Equal(expected.Select(e => e.Text), choices.Select(c => c.GetProperty("message").GetProperty("content").GetString()));
        Assert.True(expected.Select(e => e.Text).Distinct().Count() > 1, "the seeds gave the same text");
        var usage = whole.GetProperty("usage");
        Assert.Equal(prompt.Length, usage.GetProperty("prompt_tokens").GetInt32()); // the prompt counts once
        Assert.Equal(expected.Sum(e => e.CompletionTokens), usage.GetProperty("completion_tokens").GetInt32());

        using var response = await fixture.Client.StartStreamAsync("/v1/chat/completions", body + """, "stream": true}""");
        var events = await ServerClient.ReadEventsAsync(response);
        Assert.Equal("[DONE]", events[^1]);
        var streamedChoices = events[..^1].Select(e => System.Text.Json.JsonDocument.Parse(e).RootElement.GetProperty("choices")[0]).ToList();
        for (int i = 0; i < 3; i++)
        {
            var mine = streamedChoices.Where(c => c.GetProperty("index").GetInt32() == i).ToList();
            Assert.Equal(expected[i].Text, string.Concat(mine.Select(c => c.GetProperty("delta").TryGetProperty("content", out var t) ? t.GetString() : "")));
            Assert.Equal("assistant", mine[0].GetProperty("delta").GetProperty("role").GetString());
            Assert.Equal(expected[i].FinishReason, mine[^1].GetProperty("finish_reason").GetString());
        }

        var text = (await fixture.Client.PostAsync("/v1/completions", """{"prompt": "The state of the Union", "n": 2, "temperature": 1.2, "seed": 3, "max_tokens": 8}""")).Json;
        var library = await model.CompleteAsync("The state of the Union", new CompletionOptions { Temperature = 1.2f, Seed = 4, MaxTokens = 8 });
        Assert.Equal(library.Text, text.GetProperty("choices")[1].GetProperty("text").GetString());
        Assert.Equal(1, text.GetProperty("choices")[1].GetProperty("index").GetInt32());
    }

    [Fact]
    public async Task ModelsTokenizeAndDetokenize_AnswerAsOpenAiAndLlamaServerDo()
    {
        var client = fixture.Client;
        var models = (await client.GetAsync("/v1/models")).Json;
        Assert.Equal("list", models.GetProperty("object").GetString());
        Assert.Equal("bitnet-sotu-6m-i2_s", models.GetProperty("data")[0].GetProperty("id").GetString());

        var tokens = (await client.PostAsync("/tokenize", """{"content": "The state of the Union"}""")).Json.GetProperty("tokens");
        int[] ids = tokens.EnumerateArray().Select(t => t.GetInt32()).ToArray();
        Assert.Equal(fixture.Server.Model!.Tokenize("The state of the Union", addBos: false, parseSpecial: true), ids);
        var text = (await client.PostAsync("/detokenize", $$"""{"tokens": [{{string.Join(",", ids)}}]}""")).Json.GetProperty("content").GetString();
        Assert.Equal("The state of the Union", text!.TrimStart());
    }
}
