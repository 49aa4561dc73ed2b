#pragma warning disable OPENAI001 // ChatCompletionOptions.Seed and the Responses API are marked experimental in the SDK
using System.ClientModel;
using System.ComponentModel.DataAnnotations;
using System.Text;
using System.Text.Json;
using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Server;
using BitNet.Gpu.Tests.Support;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Responses;
using Anthropic;
using Anthropic.Core;
using Anthropic.Models.Messages;
using ChatMessage = OpenAI.Chat.ChatMessage;
using ChatFinishReason = OpenAI.Chat.ChatFinishReason;
using ChatTool = OpenAI.Chat.ChatTool;

namespace BitNet.Gpu.Tests.Server;

/// <summary>
/// A server with a tiny synthetic model (random weights, byte-level vocabulary, 4096 positions: the tools' description
/// runs past the bundled model's 256) and a plain template, for tool calls through the official OpenAI SDK and
/// Microsoft.Extensions.AI over it, by chat completions and by the Responses API, and through the official Anthropic SDK
/// by the Messages API: calls whose arguments keep their
/// tool's schema, the same call whole and streamed, a conversation carrying calls and results, and functions invoked by
/// UseFunctionInvocation.
/// </summary>
public sealed class ToolCallTests : IAsyncLifetime
{
    const string ForecastParameters = """
        {"type": "object", "properties": {"city": {"type": "string", "maxLength": 12}, "days": {"type": "integer", "minimum": 1, "maximum": 5},
         "unit": {"enum": ["C", "F"]}}, "required": ["city", "days"], "additionalProperties": false}
        """;

    BitNetServer _server = null!;

    public async Task InitializeAsync() => _server = await ServerFixture.Start(options => options with
    {
        ModelPath = SyntheticModels.Tiny("bitnet-b1.58", GgmlType.I2_S, contextLength: 4096),
        Model = new BitNetModelOptions { Backend = "cpu", Parallel = 2, ChatTemplate = "{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}assistant: " },
    });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    ResponsesClient ResponsesSdk() => new OpenAIClient(new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(_server.Address, "v1") }).GetResponsesClient();

    AnthropicClient AnthropicSdk() => new(new ClientOptions { BaseUrl = _server.Address.ToString().TrimEnd('/'), ApiKey = "unused", MaxRetries = 0 });

    static MessageCreateParams AnthropicParams(string json) => MessageCreateParams.FromRawUnchecked(
        new Dictionary<string, JsonElement>(), new Dictionary<string, JsonElement>(),
        JsonDocument.Parse(json).RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone()));

    ChatClient Sdk() => new("bitnet", new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(_server.Address, "v1") });

    static readonly ChatTool Forecast = ChatTool.CreateFunctionTool("get_forecast", "The forecast for a city", BinaryData.FromString(ForecastParameters));
    static readonly ChatTool Time = ChatTool.CreateFunctionTool("get_time", "The time now");

    static ChatCompletionOptions Required(int seed) => new()
    {
        Tools = { Forecast, Time },
        ToolChoice = ChatToolChoice.CreateFunctionChoice("get_forecast"),
        AllowParallelToolCalls = false,
        Temperature = 0.8f,
        Seed = seed,
        MaxOutputTokenCount = 600, // every field is bounded, whitespace included (one space, or a newline and an indent of at most 20)
    };

    /// <summary>Calls the token limit did not cut: their arguments hold every parameter (a cut call's are partial or empty).</summary>
    static int WholeCalls(IEnumerable<FunctionCallContent> calls) =>
        calls.Count(c => c.Exception is null && c.Arguments is { } arguments && new[] { "city", "days", "unit" }.All(arguments.ContainsKey));

    static void AssertForecastArguments(string arguments)
    {
        using var document = JsonDocument.Parse(arguments);
        var root = document.RootElement;
        Assert.InRange(root.GetProperty("city").GetString()!.EnumerateRunes().Count(), 0, 12);
        Assert.InRange(root.GetProperty("days").GetInt32(), 1, 5);
        if (root.TryGetProperty("unit", out var unit)) Assert.Contains(unit.GetString(), new[] { "C", "F" });
        Assert.All(root.EnumerateObject(), p => Assert.Contains(p.Name, new[] { "city", "days", "unit" }));
    }

    [Fact]
    public async Task ANamedToolChoice_GivesCallsOfThatTool_WithArgumentsItsSchemaAllows_WholeAndStreamed()
    {
        ChatCompletion answer = await Sdk().CompleteChatAsync([new UserChatMessage("Weather in Oslo?")], Required(seed: 3));
        Assert.Equal(ChatFinishReason.ToolCalls, answer.FinishReason);
        Assert.Empty(answer.Content);
        Assert.NotEmpty(answer.ToolCalls);
        foreach (var call in answer.ToolCalls)
        {
            Assert.Equal("get_forecast", call.FunctionName);
            Assert.Matches("^call_[0-9a-f]{24}$", call.Id);
            AssertForecastArguments(call.FunctionArguments.ToString());
        }

        var names = new Dictionary<int, string>();
        var arguments = new Dictionary<int, StringBuilder>();
        int argumentUpdates = 0;
        ChatFinishReason? finish = null;
        await foreach (var update in Sdk().CompleteChatStreamingAsync([new UserChatMessage("Weather in Oslo?")], Required(seed: 3)))
        {
            foreach (var part in update.ToolCallUpdates)
            {
                if (part.FunctionName is { } name) names[part.Index] = name;
                (arguments.TryGetValue(part.Index, out var text) ? text : arguments[part.Index] = new StringBuilder()).Append(part.FunctionArgumentsUpdate);
                argumentUpdates++;
            }
            finish ??= update.FinishReason;
        }
        Assert.Equal(ChatFinishReason.ToolCalls, finish);
        Assert.True(argumentUpdates > names.Count, $"the arguments came in {argumentUpdates} updates, not as they were generated");
        Assert.Equal(answer.ToolCalls.Select(c => (c.FunctionName, c.FunctionArguments.ToString())),
                     names.Keys.Order().Select(i => (names[i], arguments[i].ToString()))); // the same seed, the same calls
    }

    [Fact]
    public async Task AConversationWithCallsAndResults_IsAnswered_AndAutoMayAnswerInText_WhichStreamsAsItComes()
    {
        ChatMessage[] conversation =
        [
            new UserChatMessage("Weather in Oslo?"),
            new AssistantChatMessage([ChatToolCall.CreateFunctionToolCall("call_1", "get_forecast", BinaryData.FromString("""{"city": "Oslo", "days": 2}"""))]),
            new ToolChatMessage("call_1", "Sunny, 4 C"),
        ];
        int texts = 0;
        foreach (int seed in new[] { 1, 2, 3, 4 })
        {
            var options = new ChatCompletionOptions { Tools = { Forecast }, AllowParallelToolCalls = false, Temperature = 1, Seed = seed, MaxOutputTokenCount = 600 };
            ChatCompletion answer = await Sdk().CompleteChatAsync(conversation, options);
            var streamed = new StringBuilder();
            int textUpdates = 0;
            ChatFinishReason? finish = null;
            await foreach (var update in Sdk().CompleteChatStreamingAsync(conversation, options))
            {
                foreach (var part in update.ContentUpdate.Where(p => p.Text.Length > 0))
                {
                    streamed.Append(part.Text);
                    textUpdates++;
                }
                finish ??= update.FinishReason;
            }
            Assert.Equal(answer.FinishReason, finish);
            Assert.Equal(answer.Content.Count > 0 ? answer.Content[0].Text : "", streamed.ToString()); // the same seed: the same text, as it came
            Assert.True(streamed.Length < 8 || textUpdates > 2, $"{streamed.Length} characters of text came in {textUpdates} updates");
            if (answer.FinishReason == ChatFinishReason.ToolCalls)
            {
                Assert.Empty(answer.Content);
                AssertForecastArguments(Assert.Single(answer.ToolCalls).FunctionArguments.ToString());
            }
            else if (answer.ToolCalls.Count > 0)
                Assert.Equal(ChatFinishReason.Length, answer.FinishReason); // the limit cut the call: its arguments as far as they came
            else
            {
                Assert.Empty(answer.ToolCalls);
                Assert.Single(answer.Content); // the response's text (the format's string, decoded), as far as it came
                texts++;
            }
        }
        Assert.True(texts > 0, "no seed gave a text answer");
    }

    public enum Unit { C, F }

    [Fact]
    public async Task UseFunctionInvocationOverTheSdk_InvokesTheFunction_WithArgumentsItsSchemaAllows()
    {
        var invocations = new List<(string City, int Days)>();
        var forecast = AIFunctionFactory.Create(([MaxLength(12)] string city, [Range(1, 5)] int days, Unit unit) =>
        {
            invocations.Add((city, days));
            return $"Sunny in {city} for {days} days";
        }, "get_forecast", "The forecast for a city");
        IChatClient client = new ChatClientBuilder(Sdk().AsIChatClient()).UseFunctionInvocation(configure: f => f.MaximumIterationsPerRequest = 2).Build();
        var response = await client.GetResponseAsync("Weather in Oslo?", new ChatOptions
        {
            Tools = [forecast], ToolMode = ChatToolMode.RequireAny, AllowMultipleToolCalls = false, Temperature = 0.8f, Seed = 5, MaxOutputTokens = 600,
        });
        Assert.True(invocations.Count > 0, string.Join(" | ", response.Messages.SelectMany(m => m.Contents).Select(c => c switch
        {
            FunctionCallContent call => $"call {call.Name} {JsonSerializer.Serialize(call.Arguments)}",
            FunctionResultContent result => $"result {result.Result} {result.Exception?.Message}",
            _ => c.ToString(),
        })) + " " + response.FinishReason);
        // Microsoft.Extensions.AI.OpenAI moves maxLength and minimum into the description for OpenAI's strict mode,
        // so only the types reach the server: days is some integer, unit one of the enum's names.
        var contents = response.Messages.SelectMany(m => m.Contents).ToList();
        Assert.Equal(contents.OfType<FunctionCallContent>().Select(c => c.CallId), contents.OfType<FunctionResultContent>().Select(r => r.CallId));
    }

    static CreateResponseOptions RequiredResponse(IEnumerable<ResponseItem> input, bool stream = false)
    {
        var options = new CreateResponseOptions("bitnet", input)
        {
            Tools = { ResponseTool.CreateFunctionTool("get_forecast", BinaryData.FromString(ForecastParameters), true, "The forecast for a city"),
                      ResponseTool.CreateFunctionTool("get_time", null, false, "The time now") },
            ToolChoice = ResponseToolChoice.CreateFunctionChoice("get_forecast"),
            ParallelToolCallsEnabled = false,
            Temperature = 0,
            MaxOutputTokenCount = 600,
        };
        if (stream) options.StreamingEnabled = true;
        return options;
    }

    [Fact]
    public async Task AResponsesNamedToolChoice_GivesFunctionCallItems_WithArgumentsItsSchemaAllows_WholeAndStreamed()
    {
        ResponseItem[] input = [ResponseItem.CreateUserMessageItem("Weather in Oslo?")];
        ResponseResult response = await ResponsesSdk().CreateResponseAsync(RequiredResponse(input));
        Assert.Equal(ResponseStatus.Completed, response.Status);
        var calls = response.OutputItems.Select(item => Assert.IsAssignableFrom<FunctionCallResponseItem>(item)).ToList();
        Assert.NotEmpty(calls);
        foreach (var call in calls)
        {
            Assert.Equal("get_forecast", call.FunctionName);
            Assert.Matches("^call_[0-9a-f]{24}$", call.CallId);
            Assert.Equal("fc_" + call.CallId["call_".Length..], call.Id);
            AssertForecastArguments(call.FunctionArguments.ToString());
        }

        var streamedCalls = new List<(string Name, string Arguments)>();
        var deltas = new StringBuilder();
        int argumentDeltas = 0;
        StreamingResponseUpdate? last = null;
        await foreach (var update in ResponsesSdk().CreateResponseStreamingAsync(RequiredResponse(input, stream: true)))
        {
            if (update is StreamingResponseFunctionCallArgumentsDeltaUpdate delta)
            {
                deltas.Append(delta.Delta.ToString());
                argumentDeltas++;
            }
            if (update is StreamingResponseOutputItemDoneUpdate { Item: FunctionCallResponseItem done }) streamedCalls.Add((done.FunctionName, done.FunctionArguments.ToString()));
            last = update;
        }
        Assert.Equal(calls.Select(c => (c.FunctionName, c.FunctionArguments.ToString())), streamedCalls); // greedy: the same calls
        Assert.Equal(string.Concat(streamedCalls.Select(c => c.Arguments)), deltas.ToString());
        Assert.True(argumentDeltas > streamedCalls.Count, $"the arguments came in {argumentDeltas} deltas, not as they were generated");
        Assert.Equal(ResponseStatus.Completed, Assert.IsType<StreamingResponseCompletedUpdate>(last).Response.Status);
    }

    [Fact]
    public async Task AResponsesInputWithACallAndItsOutput_IsAnswered()
    {
        ResponseItem[] input =
        [
            ResponseItem.CreateUserMessageItem("Weather in Oslo?"),
            ResponseItem.CreateFunctionCallItem("call_1", "get_forecast", BinaryData.FromString("""{"city": "Oslo", "days": 2}""")),
            ResponseItem.CreateFunctionCallOutputItem("call_1", "Sunny, 4 C"),
        ];
        var options = RequiredResponse(input);
        options.ToolChoice = ResponseToolChoice.CreateAutoChoice();
        foreach (float temperature in new[] { 0f, 1f })
        {
            options.Temperature = temperature;
            ResponseResult response = await ResponsesSdk().CreateResponseAsync(options);
            var item = Assert.Single(response.OutputItems);
            if (item is FunctionCallResponseItem call)
            {
                if (response.Status == ResponseStatus.Incomplete) continue; // the limit cut the call: its arguments as far as they came
                if (call.FunctionName == "get_forecast") AssertForecastArguments(call.FunctionArguments.ToString());
                else Assert.Equal("get_time", call.FunctionName);
            }
            else
                Assert.IsAssignableFrom<MessageResponseItem>(item); // the response's text, as far as it came (incomplete at the limit)
        }
    }

    [Fact]
    public async Task UseFunctionInvocationOverTheResponsesClient_InvokesTheFunction_AndSendsItsResultByPreviousResponseId()
    {
        var invocations = new List<string>();
        // Strict mode moves maxLength and the bounds into the description, so days may be any integer: a double takes it.
        var forecast = AIFunctionFactory.Create(([MaxLength(12)] string city, [Range(1, 5)] double days, Unit unit) =>
        {
            invocations.Add(city);
            return $"Sunny in {city} for {days} days";
        }, "get_forecast", "The forecast for a city");
        IChatClient client = new ChatClientBuilder(ResponsesSdk().AsIChatClient("bitnet")).UseFunctionInvocation(configure: f => f.MaximumIterationsPerRequest = 2).Build();
        var response = await client.GetResponseAsync("Weather in Oslo?", new ChatOptions
        {
            Tools = [forecast], ToolMode = ChatToolMode.RequireAny, AllowMultipleToolCalls = false, Temperature = 0.8f, MaxOutputTokens = 600,
        });
        var calls = response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().ToList();
        Assert.NotEmpty(calls); // a call is required
        Assert.Equal(WholeCalls(calls), invocations.Count); // every call the limit did not cut was invoked
        var contents = response.Messages.SelectMany(m => m.Contents).ToList();
        Assert.Equal(contents.OfType<FunctionCallContent>().Select(c => c.CallId), contents.OfType<FunctionResultContent>().Select(r => r.CallId));
        Assert.NotNull(response.ConversationId); // the later requests went on from the kept responses, not the whole conversation
    }

    static string AnthropicRequired(bool stream) => $$$"""
        {"model": "bitnet", "max_tokens": 600, "temperature": 0, "stream": {{{(stream ? "true" : "false")}}},
         "messages": [{"role": "user", "content": "Weather in Oslo?"}],
         "tools": [{"name": "get_forecast", "description": "The forecast for a city", "input_schema": {{{ForecastParameters}}}}, {"name": "get_time", "input_schema": {"type": "object"}}],
         "tool_choice": {"type": "tool", "name": "get_forecast", "disable_parallel_tool_use": true}}
        """;

    [Fact]
    public async Task AnAnthropicToolChoice_GivesToolUseBlocks_WithInputItsSchemaAllows_WholeAndStreamed()
    {
        Message message = await AnthropicSdk().Messages.Create(AnthropicParams(AnthropicRequired(stream: false)));
        Assert.Equal(StopReason.ToolUse, message.StopReason?.Value());
        var uses = message.Content.Select(block => block.TryPickToolUse(out var use) ? use : throw new Xunit.Sdk.XunitException($"not a tool_use block: {block.Json}")).ToList();
        var use = Assert.Single(uses);
        Assert.Equal("get_forecast", use.Name);
        Assert.Matches("^toolu_[0-9a-f]{24}$", use.ID);
        string input = JsonSerializer.Serialize(use.Input);
        AssertForecastArguments(input);

        var partial = new StringBuilder();
        int inputDeltas = 0;
        string? streamedName = null;
        await foreach (var e in AnthropicSdk().Messages.CreateStreaming(AnthropicParams(AnthropicRequired(stream: true))))
        {
            var json = e.Json;
            if (json.GetProperty("type").GetString() == "content_block_start") streamedName = json.GetProperty("content_block").GetProperty("name").GetString();
            if (json.GetProperty("type").GetString() == "content_block_delta")
            {
                partial.Append(json.GetProperty("delta").GetProperty("partial_json").GetString());
                inputDeltas++;
            }
            if (json.GetProperty("type").GetString() == "message_delta") Assert.Equal("tool_use", json.GetProperty("delta").GetProperty("stop_reason").GetString());
        }
        Assert.Equal("get_forecast", streamedName);
        Assert.True(JsonElement.DeepEquals(JsonDocument.Parse(input).RootElement, JsonDocument.Parse(partial.ToString()).RootElement), $"{input} vs {partial}"); // greedy: the same call
        Assert.True(inputDeltas > 1, $"the input came in {inputDeltas} deltas, not as it was generated");
    }

    [Fact]
    public async Task AnAnthropicConversationWithToolUseAndItsResult_IsAnswered()
    {
        Message message = await AnthropicSdk().Messages.Create(AnthropicParams($$$"""
            {"model": "bitnet", "max_tokens": 600, "temperature": 1,
             "messages": [{"role": "user", "content": "Weather in Oslo?"},
                          {"role": "assistant", "content": [{"type": "text", "text": "Let me look."}, {"type": "tool_use", "id": "toolu_1", "name": "get_forecast", "input": {"city": "Oslo", "days": 2}}]},
                          {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": [{"type": "text", "text": "Sunny, 4 C"}]}]}],
             "tools": [{"name": "get_forecast", "input_schema": {{{ForecastParameters}}}}]}
            """));
        Assert.NotEmpty(message.Content);
        if (message.Content[0].TryPickToolUse(out _))
        {
            var uses = message.Content.Select(b => b.TryPickToolUse(out var use) ? use : throw new Xunit.Sdk.XunitException($"a block beside calls: {b.Json}")).ToList();
            if (message.StopReason?.Value() == StopReason.ToolUse) Assert.All(uses, use => AssertForecastArguments(JsonSerializer.Serialize(use.Input)));
            else Assert.Equal(StopReason.MaxTokens, message.StopReason?.Value()); // the limit cut the last call
        }
        else Assert.True(Assert.Single(message.Content).TryPickText(out _)); // the response's text, as far as it came
    }

    [Fact]
    public async Task UseFunctionInvocationOverTheAnthropicClient_InvokesTheFunction()
    {
        var invocations = new List<string>();
        // The Anthropic adapter sends only the types (no maxLength, no bounds), so days may be any integer: a double takes it.
        var forecast = AIFunctionFactory.Create((string city, double days, Unit unit) =>
        {
            invocations.Add(city);
            return $"Sunny in {city} for {days} days";
        }, "get_forecast", "The forecast for a city");
        IChatClient client = new ChatClientBuilder(AnthropicSdk().AsIChatClient("bitnet", 600)).UseFunctionInvocation(configure: f => f.MaximumIterationsPerRequest = 2).Build();
        var response = await client.GetResponseAsync("Weather in Oslo?", new ChatOptions { Tools = [forecast], ToolMode = ChatToolMode.RequireAny, AllowMultipleToolCalls = false, MaxOutputTokens = 600 });
        var calls = response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().ToList();
        Assert.NotEmpty(calls); // a call is required
        Assert.True(WholeCalls(calls) == invocations.Count, string.Join(" | ", response.Messages.SelectMany(m => m.Contents).Select(c => c switch
        {
            FunctionCallContent call => $"call {call.Name} {JsonSerializer.Serialize(call.Arguments)} {call.Exception?.Message}",
            FunctionResultContent result => $"result {result.Result} {result.Exception?.Message}",
            _ => c.ToString(),
        })) + " " + response.FinishReason); // every call the limit did not cut was invoked
        var contents = response.Messages.SelectMany(m => m.Contents).ToList();
        Assert.Equal(contents.OfType<FunctionCallContent>().Select(c => c.CallId), contents.OfType<FunctionResultContent>().Select(r => r.CallId));
    }
}
