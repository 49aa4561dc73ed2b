using System.Text.Json;
using BitNet.Gpu.Server.Completions;
using BitNet.Gpu.Server.Http;
using BitNet.Gpu.Server.Wire;

namespace BitNet.Gpu.Server.Ollama;

/// <summary>
/// The <see cref="CompletionOptions"/> of an Ollama request: its options object (named options.x in errors), format
/// ("json" or a schema), logprobs and top_logprobs. num_predict -1 or -2 (or absent, Ollama's default) runs until the
/// end of text or the context; a larger limit than the context's room ends at the full context, as Ollama's does.
/// </summary>
internal static class OllamaSampling
{
    /// <summary>The most top_logprobs one request may ask for.</summary>
    public const int MostTopLogprobs = 20;

    /// <summary>The options fields the shared reader names without their options. prefix.</summary>
    static readonly HashSet<string> OptionFields = ["temperature", "top_p", "top_k", "min_p", "repeat_penalty", "frequency_penalty", "presence_penalty", "stop", "seed"];

    public static CompletionOptions Read(OllamaRequest request, BitNetModel model, int promptLength)
    {
        RefuseThinking(request.Think);
        var options = request.Options ?? new OllamaOptions();
        if (request.TopLogprobs is < 0 or > MostTopLogprobs)
            throw ApiException.BadRequest($"top_logprobs must be 0 to {MostTopLogprobs}, got {request.TopLogprobs}", "top_logprobs");
        int top = request.TopLogprobs ?? 0;
        var fields = new Fields
        {
            Temperature = options.Temperature,
            TopP = options.TopP,
            TopK = options.TopK,
            MinP = options.MinP,
            RepeatPenalty = options.RepeatPenalty,
            FrequencyPenalty = options.FrequencyPenalty,
            PresencePenalty = options.PresencePenalty,
            Stop = options.Stop,
            Seed = options.Seed,
            ResponseFormat = Format(request.Format),
        };
        try
        {
            return RequestOptions.From(fields, model, Limit(options.NumPredict, model, promptLength), "options.num_predict",
                                       (request.Logprobs == true || top > 0, top), schemaField: "format");
        }
        catch (ApiException e) when (e.Param is { } param && OptionFields.Contains(param))
        {
            string field = "options." + param;
            int at = e.Message.IndexOf(param, StringComparison.Ordinal);
            throw ApiException.BadRequest(at >= 0 ? e.Message[..at] + field + e.Message[(at + param.Length)..] : $"{field}: {e.Message}", field);
        }
    }

    /// <summary>num_predict as a token limit: null until the end of text or the context, else at most the context's room.</summary>
    static int? Limit(int? numPredict, BitNetModel model, int promptLength) => numPredict switch
    {
        null or -1 or -2 => null,
        < -2 or 0 => throw ApiException.BadRequest($"options.num_predict must be -1 or -2 (until the end of text or the context) or 1 or more, got {numPredict}", "options.num_predict"),
        int limit => Math.Max(1, Math.Min(limit, model.ContextLength - promptLength)),
    };

    /// <summary>format: absent or "" (text), "json" (one JSON object) or a JSON Schema object.</summary>
    static ResponseFormat? Format(JsonElement? format) => format switch
    {
        null or { ValueKind: JsonValueKind.Null } => null,
        { ValueKind: JsonValueKind.String } text when text.GetString() is "" => null,
        { ValueKind: JsonValueKind.String } text when text.GetString() is "json" => new ResponseFormat { Type = "json_object" },
        { ValueKind: JsonValueKind.Object } schema => new ResponseFormat { Type = "json_schema", JsonSchema = new JsonSchemaFormat { Name = "format", Schema = schema } },
        { } other => throw ApiException.BadRequest($"format must be \"json\" or a JSON Schema object, got {Describe(other)}", "format"),
    };

    /// <summary>think: absent or false; true or a level asks for thinking, which this model does not do (Ollama answers 400 too).</summary>
    static void RefuseThinking(JsonElement? think)
    {
        if (think is null or { ValueKind: JsonValueKind.Null or JsonValueKind.False }) return;
        if (think is { ValueKind: JsonValueKind.String } level && level.GetString() is "" or "false") return;
        throw ApiException.BadRequest("think: this model does not support thinking; leave think out or false", "think");
    }

    static string Describe(JsonElement value) => value.ValueKind == JsonValueKind.String ? $"\"{value.GetString()}\"" : RequestOptions.Kind(value);

    /// <summary>The options as the shared reader takes them.</summary>
    sealed class Fields : SamplingFields;
}
