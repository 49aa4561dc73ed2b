using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using BitNet.Gpu.Engine.Sampling;

namespace BitNet.Gpu;

/// <summary>
/// Tool calling for a model with no tool-call format of its own, as llama-server's generic format does it: the tools are
/// described in a system message, and the answer is held by a JSON schema (<see cref="Schema"/>, for
/// <see cref="CompletionOptions.JsonSchema"/>) to one object, either <c>{"tool_calls": [{"NAME": {ARGUMENTS}}, ...]}</c>
/// (the arguments held to the tool's own schema) or <c>{"response": "TEXT"}</c>. <see cref="Parse"/> turns the answer
/// back into calls or text; <see cref="CallsMessage"/> and <see cref="ResultMessage"/> write earlier calls and their
/// results into the conversation in the same format.
/// </summary>
/// <example><code>var format = ToolCallFormat.Create([weather]);
/// var prompt = model.RenderChat(format.WithInstructions([("user", "Weather in Oslo?")]));
/// var result = await model.CompleteAsync(prompt, new CompletionOptions { JsonSchema = format.Schema });
/// ToolReply reply = format.Parse(result.Text);</code></example>
public sealed class ToolCallFormat
{
    /// <summary>Tools per request: each is a key the schema matches (see <see cref="CompiledJsonSchema"/>).</summary>
    public const int MaxTools = 64;

    static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    ToolCallFormat(string instructions, JsonElement schema) => (Instructions, Schema) = (instructions, schema);

    /// <summary>The system message's text that describes the tools and the answer's format.</summary>
    public string Instructions { get; }

    /// <summary>The JSON schema the answer is held to.</summary>
    public JsonElement Schema { get; }

    /// <summary>The format for these tools.</summary>
    /// <param name="tools">1 to <see cref="MaxTools"/> tools with distinct names.</param>
    /// <param name="choice">Auto: a call or text; Required: at least one call.</param>
    /// <param name="parallelCalls">False: at most one call per answer.</param>
    /// <exception cref="ArgumentException">A bad tool; the message names it as tools[i].</exception>
    public static ToolCallFormat Create(IReadOnlyList<FunctionTool> tools, ToolCallMode choice = ToolCallMode.Auto, bool parallelCalls = true)
    {
        ArgumentNullException.ThrowIfNull(tools);
        if (tools.Count == 0) throw new ArgumentException("tools must hold at least one tool", nameof(tools));
        if (tools.Count > MaxTools) throw new ArgumentException($"tools may hold at most {MaxTools} tools, got {tools.Count}", nameof(tools));
        var names = new HashSet<string>();
        for (int i = 0; i < tools.Count; i++)
        {
            var tool = tools[i] ?? throw new ArgumentException($"tools[{i}] is null", nameof(tools));
            CheckName(tool.Name, i);
            if (!names.Add(tool.Name)) throw new ArgumentException($"tools[{i}].name '{tool.Name}' is given twice", nameof(tools));
            CheckParameters(tool, i);
        }
        var schema = AnswerSchema(tools, choice, parallelCalls);
        CompiledJsonSchema.Compile(schema); // each tool's schema compiled above; the whole must compile too
        return new ToolCallFormat(InstructionsFor(tools, choice), schema);
    }

    /// <summary>The conversation with <see cref="Instructions"/> added to its first system message, or as a new first one.</summary>
    public List<(string Role, string Content)> WithInstructions(IReadOnlyList<(string Role, string Content)> conversation)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        var result = conversation.ToList();
        if (result.Count > 0 && result[0].Role == "system") result[0] = ("system", result[0].Content + "\n\n" + Instructions);
        else result.Insert(0, ("system", Instructions));
        return result;
    }

    /// <summary>
    /// The answer as calls or text (read as <see cref="ToolReplyReader"/> reads it); each call gets a new id ("call_" and
    /// 24 hexadecimal digits). An answer cut short (by the token limit) is what came: the text so far, or the calls so far
    /// with the last one's arguments possibly cut; text that is not the format is the content as it came.
    /// </summary>
    public ToolReply Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var reader = new ToolReplyReader();
        reader.Read(text);
        return reader.Finish();
    }

    /// <summary>An assistant turn that made these calls, written as the model writes them.</summary>
    public static string CallsMessage(IEnumerable<(string Name, string Arguments)> calls)
    {
        var list = new JsonArray();
        foreach (var (name, arguments) in calls) list.Add(new JsonObject { [name] = ParseArguments(arguments) });
        return new JsonObject { ["tool_calls"] = list }.ToJsonString(Compact);
    }

    /// <summary>A tool's result, as a user turn: <c>{"tool_response": {"name": ..., "id": ..., "content": ...}}</c>.</summary>
    public static string ResultMessage(string? name, string? callId, string content)
    {
        var response = new JsonObject();
        if (name is not null) response["name"] = name;
        if (callId is not null) response["id"] = callId;
        response["content"] = content;
        return new JsonObject { ["tool_response"] = response }.ToJsonString(Compact);
    }

    static JsonNode? ParseArguments(string arguments)
    {
        try
        {
            return JsonNode.Parse(arguments);
        }
        catch (JsonException)
        {
            return JsonValue.Create(arguments); // kept as the string it was
        }
    }

    static void CheckName(string? name, int index)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 64 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
            throw new ArgumentException($"tools[{index}].name '{name}' must be 1 to 64 letters, digits, '_' or '-'", "tools");
    }

    static void CheckParameters(FunctionTool tool, int index)
    {
        if (tool.Parameters is not { ValueKind: not JsonValueKind.Null } parameters) return;
        try
        {
            CompiledJsonSchema.Compile(parameters);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            throw new ArgumentException($"tools[{index}].parameters ({tool.Name}): {e.Message}", "tools", e);
        }
    }

    /// <summary>{"tool_calls": [one tool name → its arguments, per item]} or {"response": text}: exactly one of the two.</summary>
    static JsonElement AnswerSchema(IReadOnlyList<FunctionTool> tools, ToolCallMode choice, bool parallelCalls)
    {
        var byName = new JsonObject();
        foreach (var tool in tools)
        {
            string at = "#/properties/tool_calls/items/properties/" + tool.Name; // names hold no '/' or '~'
            byName[tool.Name] = tool.Parameters is { ValueKind: not JsonValueKind.Null } parameters
                ? Rebase(JsonNode.Parse(parameters.GetRawText())!, at)
                : new JsonObject { ["type"] = "object" };
        }
        var calls = new JsonObject
        {
            ["type"] = "array",
            ["minItems"] = 1,
            ["items"] = new JsonObject { ["type"] = "object", ["properties"] = byName, ["minProperties"] = 1, ["maxProperties"] = 1, ["additionalProperties"] = false },
        };
        if (!parallelCalls) calls["maxItems"] = 1;
        var properties = new JsonObject { ["tool_calls"] = calls };
        if (choice == ToolCallMode.Auto) properties["response"] = new JsonObject { ["type"] = "string" };
        var root = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = properties,
            ["minProperties"] = 1,
            ["maxProperties"] = 1,
            ["additionalProperties"] = false,
        };
        return JsonSerializer.SerializeToElement(root);
    }

    /// <summary>A tool's schema moved under <paramref name="at"/>: its own "#..." references made to point there.</summary>
    static JsonNode Rebase(JsonNode schema, string at)
    {
        switch (schema)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj.ToList())
                {
                    if (key == "$ref" && value is JsonValue reference && reference.TryGetValue(out string? target) && target.StartsWith('#'))
                        obj[key] = at + target[1..];
                    else if (value is not null)
                        Rebase(value, at);
                }
                break;
            case JsonArray array:
                foreach (var item in array) if (item is not null) Rebase(item, at);
                break;
        }
        return schema;
    }

    static string InstructionsFor(IReadOnlyList<FunctionTool> tools, ToolCallMode choice)
    {
        var text = new StringBuilder("You can call tools. Each line below is one tool: its name, what it does and the JSON Schema of its arguments.\n");
        foreach (var tool in tools)
        {
            var line = new JsonObject { ["name"] = tool.Name };
            if (tool.Description is { Length: > 0 } description) line["description"] = description;
            line["parameters"] = tool.Parameters is { ValueKind: not JsonValueKind.Null } parameters ? JsonNode.Parse(parameters.GetRawText()) : new JsonObject { ["type"] = "object" };
            text.Append(line.ToJsonString(Compact)).Append('\n');
        }
        text.Append("To call tools, reply with {\"tool_calls\": [{\"TOOL NAME\": {ARGUMENTS}}]}");
        text.Append(choice == ToolCallMode.Auto ? ". To answer directly, reply with {\"response\": \"YOUR ANSWER\"}." : "; you must call at least one tool.");
        return text.ToString();
    }

    internal static string NewCallId() => "call_" + Guid.NewGuid().ToString("N")[..24];
}
