#pragma warning disable OPENAI001 // the SDK marks the Responses API experimental
using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenAI.Responses;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;

namespace BitNet.Gpu.Tests.Server;

/// <summary>
/// /v1/responses through real clients: the official OpenAI .NET SDK's ResponsesClient and Microsoft.Extensions.AI's
/// IChatClient over it. Greedy answers are held to the library's own completion of the same conversation; a stored
/// response continues by previous_response_id exactly as the whole conversation sent again.
/// </summary>
[Collection(ServerCollection.Name)]
public class ResponsesApiTests(ServerFixture fixture)
{
    const string Question = "Tell me about the Union.";

    ResponsesClient Sdk() => new OpenAIClient(new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(fixture.Server.Address, "v1") }).GetResponsesClient();

    static CreateResponseOptions Greedy(string input, int maxTokens = 24) =>
        new("bitnet", [ResponseItem.CreateUserMessageItem(input)]) { Temperature = 0, MaxOutputTokenCount = maxTokens };

    async Task<CompletionResult> LibraryGreedy(int maxTokens, params (string Role, string Content)[] messages)
    {
        var model = fixture.Server.Model!;
        return await model.CompleteAsync(model.RenderChat(messages), new CompletionOptions { Temperature = 0, MaxTokens = maxTokens });
    }

    [Fact]
    public async Task AResponse_GreedyEqualsTheLibrary_IncompleteAtTheTokenLimit_WithUsage()
    {
        var options = Greedy(Question);
        options.Instructions = "Be brief.";
        ResponseResult response = await Sdk().CreateResponseAsync(options);
        var expected = await LibraryGreedy(24, ("system", "Be brief."), ("user", Question));

        Assert.NotEmpty(expected.Text);
        Assert.Equal(expected.Text, response.GetOutputText());
        var message = Assert.IsAssignableFrom<MessageResponseItem>(Assert.Single(response.OutputItems));
        Assert.Equal(MessageRole.Assistant, message.Role);
        Assert.Equal(ResponseStatus.Incomplete, response.Status);
        Assert.Equal(ResponseIncompleteStatusReason.MaxOutputTokens, response.IncompleteStatusDetails?.Reason);
        Assert.Equal(expected.PromptTokens, response.Usage.InputTokenCount);
        Assert.Equal(24, response.Usage.OutputTokenCount);
        Assert.Equal(expected.PromptTokens + 24, response.Usage.TotalTokenCount);
        Assert.Equal("bitnet-sotu-6m-i2_s", response.Model);
        Assert.Matches("^resp_[0-9a-f]{32}$", response.Id);
    }

    [Fact]
    public async Task AStreamedResponse_EqualsTheWholeOne_InNumberedEvents()
    {
        ResponseResult whole = await Sdk().CreateResponseAsync(Greedy(Question));
        var text = new StringBuilder();
        var updates = new List<StreamingResponseUpdate>();
        var streaming = Greedy(Question);
        streaming.StreamingEnabled = true;
        await foreach (var update in Sdk().CreateResponseStreamingAsync(streaming))
        {
            updates.Add(update);
            if (update is StreamingResponseOutputTextDeltaUpdate delta) text.Append(delta.Delta);
        }
        Assert.Equal(whole.GetOutputText(), text.ToString());
        Assert.True(updates.OfType<StreamingResponseOutputTextDeltaUpdate>().Count() > 5, "the text came whole, not piece by piece");
        Assert.Equal(Enumerable.Range(0, updates.Count), updates.Select(u => u.SequenceNumber));
        Assert.IsType<StreamingResponseCreatedUpdate>(updates[0]);
        Assert.IsType<StreamingResponseInProgressUpdate>(updates[1]);
        var done = Assert.IsType<StreamingResponseOutputItemDoneUpdate>(updates[^2]);
        Assert.Equal(whole.GetOutputText(), Assert.IsAssignableFrom<MessageResponseItem>(done.Item).Content[0].Text);
        var last = Assert.IsType<StreamingResponseIncompleteUpdate>(updates[^1]);
        Assert.Equal(whole.GetOutputText(), last.Response.GetOutputText());
        Assert.Equal(24, last.Response.Usage.OutputTokenCount);
    }

    [Fact]
    public async Task MicrosoftExtensionsAiOverTheResponsesClient_GetsTheLibrarysAnswer_AndContinuesByConversationId()
    {
        IChatClient chat = Sdk().AsIChatClient("bitnet");
        var options = new ChatOptions { Temperature = 0, MaxOutputTokens = 24 };
        var expected = await LibraryGreedy(24, ("user", Question));

        ChatResponse first = await chat.GetResponseAsync([new AiChatMessage(ChatRole.User, Question)], options);
        Assert.Equal(expected.Text, first.Text);
        Assert.Equal(ChatFinishReason.Length, first.FinishReason);
        Assert.Equal(24, first.Usage?.OutputTokenCount);
        var streamed = new StringBuilder();
        await foreach (var update in chat.GetStreamingResponseAsync([new AiChatMessage(ChatRole.User, Question)], options)) streamed.Append(update.Text);
        Assert.Equal(expected.Text, streamed.ToString());

        // The client keeps the conversation on the server: the next turn sends only the new message and the response's id.
        Assert.Equal(first.ResponseId, first.ConversationId);
        ChatResponse next = await chat.GetResponseAsync([new AiChatMessage(ChatRole.User, "And then?")], new ChatOptions
        {
            Temperature = 0, MaxOutputTokens = 16, ConversationId = first.ConversationId,
        });
        var expectedNext = await LibraryGreedy(16, ("user", Question), ("assistant", expected.Text), ("user", "And then?"));
        Assert.Equal(expectedNext.Text, next.Text);
        Assert.Equal(expectedNext.PromptTokens, next.Usage?.InputTokenCount);
    }

    [Fact]
    public async Task AKeptResponse_CanBeRead_AndDeleted_AndOneNotKeptCannotBeContinued()
    {
        ResponseResult kept = await Sdk().CreateResponseAsync(Greedy("Hello", 6));
        ResponseResult read = await Sdk().GetResponseAsync(kept.Id);
        Assert.Equal(kept.GetOutputText(), read.GetOutputText());
        Assert.Equal(kept.Usage.TotalTokenCount, read.Usage.TotalTokenCount);

        var deleted = await Sdk().DeleteResponseAsync(kept.Id);
        Assert.True(deleted.Value.Deleted);
        var gone = await Assert.ThrowsAsync<ClientResultException>(() => Sdk().GetResponseAsync(kept.Id));
        Assert.Equal(404, gone.Status);

        var unkept = Greedy("Hello", 6);
        unkept.StoredOutputEnabled = false;
        ResponseResult notKept = await Sdk().CreateResponseAsync(unkept);
        var answer = await fixture.Client.PostAsync("/v1/responses", $$"""{"input": "Hi", "previous_response_id": "{{notKept.Id}}"}""");
        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal("previous_response_id", answer.Error.Param);
    }

    [Fact]
    public async Task AJsonSchemaFormat_GivesAnObjectTheSchemaAllows()
    {
        const string Schema = """
            {"type": "object", "properties": {"year": {"type": "integer", "minimum": 1776, "maximum": 2025}, "ok": {"type": "boolean"}},
             "required": ["year", "ok"], "additionalProperties": false}
            """;
        foreach (float temperature in new[] { 0f, 1f })
        {
            var options = Greedy(Question, 80);
            options.Temperature = temperature;
            options.TextOptions = new ResponseTextOptions { TextFormat = ResponseTextFormat.CreateJsonSchemaFormat("when", BinaryData.FromString(Schema), null, true) };
            ResponseResult response = await Sdk().CreateResponseAsync(options);

            Assert.Equal(ResponseStatus.Completed, response.Status);
            using var document = JsonDocument.Parse(response.GetOutputText());
            Assert.InRange(document.RootElement.GetProperty("year").GetInt32(), 1776, 2025);
            Assert.Contains(document.RootElement.GetProperty("ok").ValueKind, new[] { JsonValueKind.True, JsonValueKind.False });
            Assert.Equal(2, document.RootElement.EnumerateObject().Count());
        }
    }

    [Fact]
    public async Task LogprobsIncluded_ComeWithEachToken_AndTheirMostLikelyAlternatives()
    {
        var options = Greedy(Question, 8);
        options.IncludedProperties.Add(IncludedResponseProperty.MessageOutputTextLogProbabilities);
        options.TopLogProbabilityCount = 3;
        ResponseResult response = await Sdk().CreateResponseAsync(options);

        var part = Assert.IsAssignableFrom<MessageResponseItem>(Assert.Single(response.OutputItems)).Content[0];
        Assert.Equal(8, part.OutputTextTokenLogProbabilities.Count);
        Assert.Equal(response.GetOutputText(), string.Concat(part.OutputTextTokenLogProbabilities.Select(t => t.Token)));
        foreach (var token in part.OutputTextTokenLogProbabilities)
        {
            Assert.InRange(token.LogProbability, float.NegativeInfinity, 0f);
            Assert.Equal(3, token.TopLogProbabilities.Count);
            Assert.Equal(token.LogProbability, token.TopLogProbabilities[0].LogProbability, 1e-4f); // greedy: the token drawn is the most likely
        }
    }
}
