using System.Text;
using System.Text.Json;
using BitNet.Gpu.Engine.Sampling;

namespace BitNet.Gpu.Tests.Library.Tools;

/// <summary>
/// The tool-call format: the answer's schema takes exactly one call list or one response and holds each call's arguments
/// to its tool's schema; answers parse back into calls or text; bad tools are refused naming tools[i].
/// </summary>
public class ToolCallFormatTests
{
    static readonly FunctionTool Weather = new("get_weather", "The weather in a city", JsonDocument.Parse("""
        {"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer", "minimum": 1, "maximum": 7},
         "unit": {"$ref": "#/$defs/unit"}}, "required": ["city"], "$defs": {"unit": {"enum": ["C", "F"]}}}
        """).RootElement);
    static readonly FunctionTool Time = new("get_time");

    static bool Takes(ToolCallFormat format, string text)
    {
        var state = new JsonSchemaChoices(CompiledJsonSchema.Compile(format.Schema).Root);
        foreach (byte b in Encoding.UTF8.GetBytes(text))
            if (!state.Push(b)) return false;
        return state.IsComplete;
    }

    [Theory]
    [InlineData("""{"tool_calls": [{"get_weather": {"city": "Oslo"}}]}""", true)]
    [InlineData("""{"tool_calls": [{"get_weather": {"city": "Oslo", "days": 3, "unit": "C"}}, {"get_time": {}}]}""", true)]
    [InlineData("""{"response": "It is sunny."}""", true)]
    [InlineData("""{}""", false)]                                                        // neither
    [InlineData("""{"response": "x", "tool_calls": [{"get_time": {}}]}""", false)]     // both
    [InlineData("""{"tool_calls": []}""", false)]                                       // no call
    [InlineData("""{"tool_calls": [{}]}""", false)]                                     // a call without a tool
    [InlineData("""{"tool_calls": [{"get_time": {}, "get_weather": {"city": "x"}}]}""", false)] // two tools in one call
    [InlineData("""{"tool_calls": [{"delete_all": {}}]}""", false)]                     // not a tool
    [InlineData("""{"tool_calls": [{"get_weather": {}}]}""", false)]                    // city is required
    [InlineData("""{"tool_calls": [{"get_weather": {"city": "x", "days": 9}}]}""", false)] // past the maximum
    [InlineData("""{"tool_calls": [{"get_weather": {"city": "x", "unit": "K"}}]}""", false)] // the tool's own $ref, moved with it
    public void TheSchema_TakesOneCallListOrOneResponse_AndEachToolsArguments(string answer, bool taken) =>
        Assert.Equal(taken, Takes(ToolCallFormat.Create([Weather, Time]), answer));

    [Fact]
    public void Required_LeavesNoResponse_AndOneCallAtATimeLeavesOne()
    {
        var required = ToolCallFormat.Create([Weather], ToolCallMode.Required, parallelCalls: false);
        Assert.False(Takes(required, """{"response": "no"}"""));
        Assert.True(Takes(required, """{"tool_calls": [{"get_weather": {"city": "x"}}]}"""));
        Assert.False(Takes(required, """{"tool_calls": [{"get_weather": {"city": "x"}}, {"get_weather": {"city": "y"}}]}"""));
        Assert.Contains("must call", required.Instructions);
        Assert.Contains("\"name\":\"get_weather\"", required.Instructions);
    }

    [Fact]
    public void AnAnswer_ParsesIntoCallsWithNewIds_OrText()
    {
        var format = ToolCallFormat.Create([Weather, Time]);
        var calls = format.Parse("""{"tool_calls": [{"get_weather": {"city": "Oslo"}}, {"get_time": {}}]}""");
        Assert.Null(calls.Content);
        Assert.Equal([("get_weather", """{"city": "Oslo"}"""), ("get_time", "{}")], calls.Calls.Select(c => (c.Name, c.Arguments)));
        Assert.All(calls.Calls, c => Assert.Matches("^call_[0-9a-f]{24}$", c.Id));
        Assert.NotEqual(calls.Calls[0].Id, calls.Calls[1].Id);
        var text = format.Parse("""{"response": "Sunny."}""");
        Assert.Equal("Sunny.", text.Content);
        Assert.Empty(text.Calls);
        // cut short (by the token limit): what came, as a streamed answer gives it
        Assert.Equal(("", 0), (format.Parse("{\"tool_calls\": [{\"get_we").Content, format.Parse("{\"tool_calls\": [{\"get_we").Calls.Count));
        Assert.Equal("Sun", format.Parse("{\"response\": \"Sun").Content);
        var cut = Assert.Single(format.Parse("{\"tool_calls\": [{\"get_weather\": {\"city\": \"Os").Calls);
        Assert.Equal(("get_weather", "{\"city\": \"Os"), (cut.Name, cut.Arguments));
        foreach (string other in new[] { """{"tool_calls": [1]}""", """{"tool_calls": []}""", """[1]""", """{"answer": 1}""" })
            Assert.Equal((other, 0), (format.Parse(other).Content, format.Parse(other).Calls.Count)); // not the format: the text
    }

    [Fact]
    public void EarlierCallsAndResults_AreWrittenInTheFormat()
    {
        Assert.Equal("""{"tool_calls":[{"get_weather":{"city":"Oslo"}},{"get_time":{}}]}""",
                     ToolCallFormat.CallsMessage([("get_weather", """{"city": "Oslo"}"""), ("get_time", "{}")]));
        Assert.Equal("""{"tool_response":{"name":"get_time","id":"call_1","content":"12:00"}}""", ToolCallFormat.ResultMessage("get_time", "call_1", "12:00"));
        var format = ToolCallFormat.Create([Time]);
        var withSystem = format.WithInstructions([("system", "Be brief."), ("user", "Hi")]);
        Assert.Equal(2, withSystem.Count);
        Assert.StartsWith("Be brief.\n\nYou can call tools.", withSystem[0].Content);
        Assert.Equal(("system", format.Instructions), format.WithInstructions([("user", "Hi")])[0]);
    }

    [Theory]
    [InlineData("", "tools[1].name")]
    [InlineData("has space", "tools[1].name")]
    [InlineData("get_time", "given twice")]
    public void BadNames_AreRefused_NamingTheTool(string name, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => ToolCallFormat.Create([Time, new FunctionTool(name)]));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void ParametersThatCannotBeHeld_AreRefused_NamingTheTool()
    {
        var bad = new FunctionTool("lookup", Parameters: JsonDocument.Parse("""{"type": "object", "properties": {"q": {"type": "string", "pattern": "^a\\b"}}}""").RootElement);
        var error = Assert.Throws<ArgumentException>(() => ToolCallFormat.Create([Time, bad]));
        Assert.Contains("tools[1].parameters (lookup): JSON schema at #/properties/q: \"pattern\"", error.Message);
        Assert.Throws<ArgumentException>(() => ToolCallFormat.Create([]));
        Assert.Throws<ArgumentException>(() => ToolCallFormat.Create(Enumerable.Range(0, 65).Select(i => new FunctionTool($"t{i}")).ToList()));
    }
}
