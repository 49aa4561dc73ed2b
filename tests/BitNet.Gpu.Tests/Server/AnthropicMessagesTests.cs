using System.Net;
using System.Text;
using System.Text.Json;
using Anthropic;
using Anthropic.Core;
using Anthropic.Models.Messages;
using Microsoft.Extensions.AI;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;

namespace BitNet.Gpu.Tests.Server;

/// <summary>
/// /v1/messages through real clients: the official Anthropic .NET SDK (its requests built from raw bodies where it has
/// no property for a field, such as temperature) and Microsoft.Extensions.AI's IChatClient over it. Greedy answers are
/// held to the library's own completion of the same conversation.
/// </summary>
[Collection(ServerCollection.Name)]
public class AnthropicMessagesTests(ServerFixture fixture)
{
    const string Question = "Tell me about the Union.";

    AnthropicClient Sdk(string? key = null) => new(new ClientOptions { BaseUrl = fixture.Server.Address.ToString().TrimEnd('/'), ApiKey = key ?? "unused", MaxRetries = 0 });

    /// <summary>Request parameters from a JSON body, as the SDK sends them.</summary>
    static MessageCreateParams Params(string json) => MessageCreateParams.FromRawUnchecked(
        new Dictionary<string, JsonElement>(), new Dictionary<string, JsonElement>(),
        JsonDocument.Parse(json).RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone()));

    static string Greedy(int maxTokens, bool stream = false, string extra = "") =>
        $$"""{"model": "bitnet", "max_tokens": {{maxTokens}}, "temperature": 0, "system": "Be brief.", "messages": [{"role": "user", "content": "{{Question}}"}]{{(stream ? ", \"stream\": true" : "")}}{{extra}}}""";

    async Task<CompletionResult> LibraryGreedy(int maxTokens, params (string Role, string Content)[] messages)
    {
        var model = fixture.Server.Model!;
        return await model.CompleteAsync(model.RenderChat(messages), new CompletionOptions { Temperature = 0, MaxTokens = maxTokens });
    }

    static string TextOf(Message message) => string.Concat(message.Content.Select(c => c.TryPickText(out var text) ? text.Text : ""));

    [Fact]
    public async Task AMessage_GreedyEqualsTheLibrary_WithStopReasonAndUsage()
    {
        Message message = await Sdk().Messages.Create(Params(Greedy(24)));
        var expected = await LibraryGreedy(24, ("system", "Be brief."), ("user", Question));

        Assert.NotEmpty(expected.Text);
        Assert.Equal(expected.Text, TextOf(message));
        Assert.Equal(StopReason.MaxTokens, message.StopReason?.Value());
        Assert.Equal(expected.PromptTokens, message.Usage.InputTokens);
        Assert.Equal(24, message.Usage.OutputTokens);
        Assert.Matches("^msg_[0-9a-f]{32}$", message.ID);
        Assert.Equal("bitnet-sotu-6m-i2_s", message.Model.Raw());
    }

    [Fact]
    public async Task AStreamedMessage_EqualsTheWholeOne_InAnthropicsEventOrder()
    {
        Message whole = await Sdk().Messages.Create(Params(Greedy(24)));
        var types = new List<string>();
        var text = new StringBuilder();
        await foreach (var e in Sdk().Messages.CreateStreaming(Params(Greedy(24, stream: true))))
        {
            types.Add(e.Json.GetProperty("type").GetString()!);
            if (e.TryPickContentBlockDelta(out _)) text.Append(e.Json.GetProperty("delta").GetProperty("text").GetString());
            if (e.TryPickDelta(out _))
            {
                Assert.Equal("max_tokens", e.Json.GetProperty("delta").GetProperty("stop_reason").GetString());
                Assert.Equal(24, e.Json.GetProperty("usage").GetProperty("output_tokens").GetInt32());
            }
        }
        Assert.Equal(TextOf(whole), text.ToString());
        Assert.Equal(["message_start", "content_block_start"], types[..2]); // the SDK passes over ping
        Assert.True(types.Count(t => t == "content_block_delta") > 5, "the text came whole, not piece by piece");
        Assert.Equal(["content_block_stop", "message_delta", "message_stop"], types[^3..]);
    }

    [Fact]
    public async Task AStopSequence_EndsTheAnswer_AndIsNamed()
    {
        string full = TextOf(await Sdk().Messages.Create(Params(Greedy(48))));
        string stop = full.Substring(full.Length / 2, 4);
        Message stopped = await Sdk().Messages.Create(Params(Greedy(48, extra: $", \"stop_sequences\": [{JsonSerializer.Serialize(stop)}]")));
        Assert.Equal(full[..full.IndexOf(stop, StringComparison.Ordinal)], TextOf(stopped));
        Assert.Equal(StopReason.StopSequence, stopped.StopReason?.Value());
        Assert.Equal(stop, stopped.StopSequence);
    }

    [Fact]
    public async Task CountTokens_IsTheMessagesInputTokens()
    {
        Message message = await Sdk().Messages.Create(Params(Greedy(4)));
        var counted = await Sdk().Messages.CountTokens(MessageCountTokensParams.FromRawUnchecked(
            new Dictionary<string, JsonElement>(), new Dictionary<string, JsonElement>(),
            JsonDocument.Parse($$"""{"model": "bitnet", "system": "Be brief.", "messages": [{"role": "user", "content": "{{Question}}"}]}""").RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone())));
        Assert.Equal(message.Usage.InputTokens, counted.InputTokens);
    }

    [Fact]
    public async Task MicrosoftExtensionsAiOverTheAnthropicClient_AnswersWholeAndStreamed()
    {
        IChatClient chat = Sdk().AsIChatClient("bitnet", 16);
        AiChatMessage[] messages = [new(ChatRole.System, "Be brief."), new(ChatRole.User, Question)];
        ChatResponse response = await chat.GetResponseAsync(messages, new ChatOptions { MaxOutputTokens = 16 });
        Assert.NotEmpty(response.Text);
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
        Assert.Equal(16, response.Usage?.OutputTokenCount);
        Assert.Equal((await LibraryGreedy(1, ("system", "Be brief."), ("user", Question))).PromptTokens, response.Usage?.InputTokenCount);

        var streamed = new StringBuilder();
        await foreach (var update in chat.GetStreamingResponseAsync(messages, new ChatOptions { MaxOutputTokens = 16 })) streamed.Append(update.Text);
        Assert.NotEmpty(streamed.ToString());
    }

    [Fact]
    public async Task ABadRequest_IsAnAnthropicErrorNamingTheField()
    {
        var answer = await fixture.Client.PostAsync("/v1/messages", """{"model": "x", "messages": [{"role": "user", "content": "Hi"}]}""");
        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal("error", answer.Json.GetProperty("type").GetString());
        Assert.Equal("invalid_request_error", answer.Json.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains("max_tokens", answer.Json.GetProperty("error").GetProperty("message").GetString());

        var sdk = await Assert.ThrowsAnyAsync<Exception>(() => Sdk().Messages.Create(Params("""{"model": "x", "max_tokens": 4, "messages": [{"role": "wizard", "content": "Hi"}]}""")));
        Assert.Contains("messages[0].role", sdk.Message);
    }

    public static TheoryData<string, string> BadRequests => new()
    {
        // body, a word the message holds
        { """{"model": "x", "max_tokens": 4}""", "messages is required" },
        { """{"max_tokens": 4, "messages": []}""", "at least one" },
        { """{"max_tokens": 4, "messages": [{"role": "system", "content": "Hi"}]}""", "messages[0].role" },
        { """{"max_tokens": 4, "messages": [{"role": "user"}]}""", "messages[0].content" },
        { """{"max_tokens": 4, "messages": [{"role": "user", "content": [{"type": "image", "source": {}}]}]}""", "messages[0].content[0]" },
        { """{"max_tokens": 4, "messages": [{"role": "user", "content": [{"type": "tool_use", "id": "t", "name": "f", "input": {}}]}]}""", "messages[0].content[0]" },
        { """{"max_tokens": 4, "messages": [{"role": "assistant", "content": [{"type": "tool_use", "id": "t", "name": "f"}]}]}""", "messages[0].content[0].input" },
        { """{"max_tokens": 4, "messages": [{"role": "user", "content": [{"type": "tool_result"}]}]}""", "messages[0].content[0].tool_use_id" },
        { """{"max_tokens": 4, "system": 7, "messages": [{"role": "user", "content": "Hi"}]}""", "system" },
        { """{"max_tokens": 0, "messages": [{"role": "user", "content": "Hi"}]}""", "max_tokens" },
        { """{"max_tokens": 4, "stop_sequences": [""], "messages": [{"role": "user", "content": "Hi"}]}""", "stop_sequences[0]" },
        { """{"max_tokens": 4, "temperature": -1, "messages": [{"role": "user", "content": "Hi"}]}""", "temperature" },
        { """{"max_tokens": 4, "tools": [{"type": "web_search_20250305", "name": "web_search"}], "messages": [{"role": "user", "content": "Hi"}]}""", "tools[0].type" },
        { """{"max_tokens": 4, "tools": [{"name": "a b"}], "messages": [{"role": "user", "content": "Hi"}]}""", "tools[0]" },
        { """{"max_tokens": 4, "tools": [{"name": "f"}], "tool_choice": {"type": "tool"}, "messages": [{"role": "user", "content": "Hi"}]}""", "tool_choice.name" },
        { """{"max_tokens": 4, "tool_choice": {"type": "any"}, "messages": [{"role": "user", "content": "Hi"}]}""", "tools is empty" },
        { """{"max_tokens": 4, "output_config": {"format": {"type": "xml"}}, "messages": [{"role": "user", "content": "Hi"}]}""", "output_config.format" },
        { """{"max_tokens": 4, "output_config": {"format": {"type": "json_schema", "schema": {"type": "array"}}}, "messages": [{"role": "user", "content": "Hi"}]}""", "root must allow an object" },
        { """{"max_tokens": 4, "thinking": {"type": "enabled", "budget_tokens": 1024}, "messages": [{"role": "user", "content": "Hi"}]}""", "thinking" },
        { """{"max_tokens": 250, "messages": [{"role": "user", "content": "Hi"}]}""", "context length" },
        { """{"max_tokens": 4, "messages": [{"role": "user", "content": "Hi"}""", "JSON" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task BadInput_IsAnAnthropicInvalidRequestError_NamingTheField(string body, string word)
    {
        var answer = await fixture.Client.PostAsync("/v1/messages", body);
        Assert.True(answer.Status == HttpStatusCode.BadRequest, $"{(int)answer.Status}: {answer.Text}");
        Assert.Equal("error", answer.Json.GetProperty("type").GetString());
        Assert.Equal("invalid_request_error", answer.Json.GetProperty("error").GetProperty("type").GetString());
        string message = answer.Json.GetProperty("error").GetProperty("message").GetString()!;
        Assert.Contains(word, message);
        Assert.DoesNotContain("Exception", message);
    }

    [Fact]
    public async Task AStructuredOutputFormat_GivesAnObjectTheSchemaAllows()
    {
        Message message = await Sdk().Messages.Create(Params(Greedy(80, extra: """
            , "output_config": {"format": {"type": "json_schema", "schema": {"type": "object", "properties": {"year": {"type": "integer", "minimum": 1776, "maximum": 2025}}, "required": ["year"], "additionalProperties": false}}}
            """)));
        Assert.Equal(StopReason.EndTurn, message.StopReason?.Value());
        using var document = JsonDocument.Parse(TextOf(message));
        Assert.InRange(document.RootElement.GetProperty("year").GetInt32(), 1776, 2025);
    }
}
