using System.Text.Json;
using BitNet.Gpu.Server.Completions;
using BitNet.Gpu.Server.Http;

namespace BitNet.Gpu.Server.Ollama;

/// <summary>
/// The prompt tokens of Ollama's requests. Chat: the messages through the model's chat template, roles system, user,
/// assistant and tool; an assistant's tool_calls and each tool message are written in the tool-call format, the tools'
/// description first. Generate: the prompt (and system) as one user turn through the template, or as it is with raw
/// (or when the model has no template, as Ollama's default template does), after an earlier answer's context. Images,
/// a suffix and Go templates are a 400 naming the field: this model reads text, and its template is its own.
/// </summary>
internal static class OllamaConversation
{
    /// <summary>The chat's turns, each message checked; the tools' description comes first when there are tools.</summary>
    public static List<(string Role, string Content)> Turns(List<OllamaMessage?> messages, ToolCallFormat? tools)
    {
        var turns = new List<(string Role, string Content)>(messages.Count);
        for (int i = 0; i < messages.Count; i++)
        {
            string field = $"messages[{i}]";
            var message = messages[i] ?? throw ApiException.BadRequest($"{field} must be an object, got null", field);
            if (message.Images is { Count: > 0 })
                throw ApiException.BadRequest($"{field}.images: this model reads text only", $"{field}.images");
            string content = message.Content ?? "";
            switch (message.Role)
            {
                case "system" or "user":
                    turns.Add((message.Role, content));
                    break;
                case "assistant" when message.ToolCalls is { Count: > 0 } calls:
                    turns.Add(("assistant", ToolCallFormat.CallsMessage(Calls(calls, field))));
                    break;
                case "assistant":
                    turns.Add(("assistant", content));
                    break;
                case "tool":
                    turns.Add(("user", ToolCallFormat.ResultMessage(message.ToolName, null, content)));
                    break;
                case null:
                    throw ApiException.BadRequest($"{field}.role is required (system, user, assistant or tool)", $"{field}.role");
                default:
                    throw ApiException.BadRequest($"{field}.role '{message.Role}' is not supported (use system, user, assistant or tool)", $"{field}.role");
            }
        }
        return tools is null ? turns : tools.WithInstructions(turns);
    }

    /// <summary>The prompt tokens of a generate request: its context, then its prompt (templated unless raw).</summary>
    public static int[] GeneratePrompt(BitNetModel model, OllamaGenerateRequest request)
    {
        if (!string.IsNullOrEmpty(request.Suffix))
            throw ApiException.BadRequest("suffix: this model does not support insert (fill in the middle)", "suffix");
        if (!string.IsNullOrEmpty(request.Template))
            throw ApiException.BadRequest("template: Ollama's Go templates are not supported; the model's chat template is used (or raw: true for none)", "template");
        if (request.Images is { Count: > 0 })
            throw ApiException.BadRequest("images: this model reads text only", "images");

        int[] context = Context(model, request.Context);
        string prompt = request.Prompt ?? "";
        bool raw = request.Raw == true || model.ChatTemplateSource is null;
        int[] tokens;
        if (raw)
            tokens = context.Length == 0 ? model.TokenizePrompt(prompt) : model.Tokenize(prompt, addBos: false, parseSpecial: true);
        else
        {
            var turns = new List<(string Role, string Content)>();
            if (!string.IsNullOrEmpty(request.System)) turns.Add(("system", request.System));
            turns.Add(("user", prompt));
            tokens = ChatPrompt.RenderTurns(model, turns, "prompt");
            if (context.Length > 0 && tokens.Length > 0 && tokens[0] == context[0]) tokens = tokens[1..]; // the context begins with the same BOS
        }
        return [.. context, .. tokens];
    }

    /// <summary>An earlier answer's context: token ids, each in the vocabulary.</summary>
    static int[] Context(BitNetModel model, List<long>? context)
    {
        if (context is null) return [];
        if (context.Count > model.ContextLength)
            throw ApiException.BadRequest($"context holds {context.Count} tokens, more than the context length of {model.ContextLength}", "context", "context_length_exceeded");
        var tokens = new int[context.Count];
        for (int i = 0; i < tokens.Length; i++)
            tokens[i] = context[i] >= 0 && context[i] < model.VocabularySize ? (int)context[i]
                : throw ApiException.BadRequest($"context[{i}] is {context[i]}, not a token id (0..{model.VocabularySize - 1})", "context");
        return tokens;
    }

    /// <summary>An assistant message's calls as (name, arguments' JSON text).</summary>
    static List<(string Name, string Arguments)> Calls(List<OllamaToolCall?> calls, string message)
    {
        var result = new List<(string, string)>(calls.Count);
        for (int c = 0; c < calls.Count; c++)
        {
            string field = $"{message}.tool_calls[{c}].function";
            var function = calls[c]?.Function ?? throw ApiException.BadRequest($"{field} is required", field);
            if (string.IsNullOrEmpty(function.Name)) throw ApiException.BadRequest($"{field}.name is required", $"{field}.name");
            string arguments = function.Arguments switch
            {
                null or { ValueKind: JsonValueKind.Null } => "{}",
                { ValueKind: JsonValueKind.Object } obj => obj.GetRawText(),
                { ValueKind: JsonValueKind.String } text => text.GetString()!,
                _ => throw ApiException.BadRequest($"{field}.arguments must be an object", $"{field}.arguments"),
            };
            result.Add((function.Name, arguments));
        }
        return result;
    }
}
