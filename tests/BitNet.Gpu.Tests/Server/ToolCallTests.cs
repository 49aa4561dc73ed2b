#pragma warning disable OPENAI001 // ChatCompletionOptions.Seed is marked experimental in the SDK
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
using ChatMessage = OpenAI.Chat.ChatMessage;
using ChatFinishReason = OpenAI.Chat.ChatFinishReason;
using ChatTool = OpenAI.Chat.ChatTool;

namespace BitNet.Gpu.Tests.Server;

/// <summary>
/// A server with a tiny synthetic model (random weights, byte-level vocabulary, 2048 positions: the tools' description
/// runs past the bundled model's 256) and a plain template, for tool calls through the official OpenAI SDK and
/// Microsoft.Extensions.AI over it: calls whose arguments keep their tool's schema, the same call whole and streamed, a
/// conversation carrying calls and results, and functions invoked by UseFunctionInvocation.
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
        ModelPath = SyntheticModels.Tiny("bitnet-b1.58", GgmlType.I2_S, contextLength: 2048),
        Model = new BitNetModelOptions { Backend = "cpu", Parallel = 2, ChatTemplate = "{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}assistant: " },
    });

    public async Task DisposeAsync() => await _server.DisposeAsync();

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
        ChatFinishReason? finish = null;
        await foreach (var update in Sdk().CompleteChatStreamingAsync([new UserChatMessage("Weather in Oslo?")], Required(seed: 3)))
        {
            foreach (var part in update.ToolCallUpdates)
            {
                if (part.FunctionName is { } name) names[part.Index] = name;
                (arguments.TryGetValue(part.Index, out var text) ? text : arguments[part.Index] = new StringBuilder()).Append(part.FunctionArgumentsUpdate);
            }
            finish ??= update.FinishReason;
        }
        Assert.Equal(ChatFinishReason.ToolCalls, finish);
        Assert.Equal(answer.ToolCalls.Select(c => (c.FunctionName, c.FunctionArguments.ToString())),
                     names.Keys.Order().Select(i => (names[i], arguments[i].ToString()))); // the same seed, the same calls
    }

    [Fact]
    public async Task AConversationWithCallsAndResults_IsAnswered_AndAutoMayAnswerInText()
    {
        ChatMessage[] conversation =
        [
            new UserChatMessage("Weather in Oslo?"),
            new AssistantChatMessage([ChatToolCall.CreateFunctionToolCall("call_1", "get_forecast", BinaryData.FromString("""{"city": "Oslo", "days": 2}"""))]),
            new ToolChatMessage("call_1", "Sunny, 4 C"),
        ];
        foreach (int seed in new[] { 1, 2, 3, 4 })
        {
            ChatCompletion answer = await Sdk().CompleteChatAsync(conversation,
                new ChatCompletionOptions { Tools = { Forecast }, AllowParallelToolCalls = false, Temperature = 1, Seed = seed, MaxOutputTokenCount = 600 });
            if (answer.FinishReason == ChatFinishReason.ToolCalls)
            {
                Assert.Empty(answer.Content);
                AssertForecastArguments(Assert.Single(answer.ToolCalls).FunctionArguments.ToString());
            }
            else
            {
                Assert.Empty(answer.ToolCalls);
                Assert.Single(answer.Content); // the response's text (the format's string, decoded), or the raw text cut by the limit
            }
        }
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
}
