#pragma warning disable OPENAI001 // ChatCompletionOptions.Seed is marked experimental in the SDK
using System.ClientModel;
using System.Text;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenAI.Chat;
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
