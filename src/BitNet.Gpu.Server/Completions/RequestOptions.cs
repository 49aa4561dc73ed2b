using System.Globalization;
using System.Text.Json;
using BitNet.Gpu.Server.Http;
using BitNet.Gpu.Server.Wire;

namespace BitNet.Gpu.Server.Completions;

/// <summary>
/// The <see cref="CompletionOptions"/> of a request's sampling fields, checked with the request's own field names
/// (a bad value is a 400 naming the field). Absent fields keep the library's defaults (llama-server's).
/// </summary>
internal static class RequestOptions
{
    /// <summary>The most choices (n) one request may ask for.</summary>
    public const int MaxChoices = 16;

    /// <summary>The most stop strings one request may give.</summary>
    public const int MaxStopStrings = 16;

    /// <summary>Wire names of the options <see cref="CompletionOptions.Validate"/> may name.</summary>
    static readonly Dictionary<string, string> WireNames = new()
    {
        [nameof(CompletionOptions.Temperature)] = "temperature",
        [nameof(CompletionOptions.TopP)] = "top_p",
        [nameof(CompletionOptions.TopK)] = "top_k",
        [nameof(CompletionOptions.MinP)] = "min_p",
        [nameof(CompletionOptions.RepeatPenalty)] = "repeat_penalty",
        [nameof(CompletionOptions.FrequencyPenalty)] = "frequency_penalty",
        [nameof(CompletionOptions.PresencePenalty)] = "presence_penalty",
        [nameof(CompletionOptions.MaxTokens)] = "max_tokens",
        [nameof(CompletionOptions.Stop)] = "stop",
        [nameof(CompletionOptions.Seed)] = "seed",
        [nameof(CompletionOptions.LogitBias)] = "logit_bias",
        [nameof(CompletionOptions.JsonSchema)] = "response_format",
        [nameof(CompletionOptions.Grammar)] = "grammar",
    };

    /// <summary>
    /// Reads the options; <paramref name="maxTokens"/> is the request's limit field (max_completion_tokens or max_tokens,
    /// named by <paramref name="maxTokensField"/>), bounded by the context; <paramref name="logprobs"/> comes checked from
    /// <see cref="LogprobFields"/>; <paramref name="promptTop"/> asks for the prompt's log-probabilities with that many of each
    /// position's most likely tokens (and lets the limit be 0; the run lists the larger of the two counts everywhere);
    /// <paramref name="schemaField"/> is the field a schema that cannot be held is reported as; <paramref name="grammar"/> is
    /// llama-server's GBNF grammar field (empty: none).
    /// </summary>
    public static CompletionOptions From(SamplingFields fields, BitNetModel model, int? maxTokens, string maxTokensField,
                                         (bool Logprobs, int Top) logprobs = default, int? promptTop = null, string schemaField = "response_format", string? grammar = null)
    {
        int least = promptTop is null ? 1 : 0;
        if (maxTokens is int max && (max < least || max > model.ContextLength))
            throw ApiException.BadRequest($"{maxTokensField} must be between {least} and the context length {model.ContextLength}, got {max}", maxTokensField);

        var defaults = new CompletionOptions();
        var options = new CompletionOptions
        {
            Temperature = Finite(fields.Temperature, "temperature") ?? defaults.Temperature,
            TopP = Finite(fields.TopP, "top_p") ?? defaults.TopP,
            TopK = fields.TopK ?? defaults.TopK,
            MinP = Finite(fields.MinP, "min_p") ?? defaults.MinP,
            RepeatPenalty = Finite(fields.RepeatPenalty, "repeat_penalty") ?? defaults.RepeatPenalty,
            FrequencyPenalty = Finite(fields.FrequencyPenalty, "frequency_penalty") ?? defaults.FrequencyPenalty,
            PresencePenalty = Finite(fields.PresencePenalty, "presence_penalty") ?? defaults.PresencePenalty,
            MaxTokens = maxTokens,
            Stop = StopStrings(fields.Stop),
            Seed = Seed(fields.Seed),
            LogitBias = LogitBias(fields.LogitBias, model.VocabularySize),
            JsonObject = JsonMode(fields.ResponseFormat),
            JsonSchema = JsonSchema(fields.ResponseFormat),
            Logprobs = logprobs.Logprobs,
            TopLogprobs = Math.Max(logprobs.Top, promptTop ?? 0),
            PromptLogprobs = promptTop is not null,
            Grammar = string.IsNullOrEmpty(grammar) ? null : grammar,
        };
        try
        {
            options.Validate(model.VocabularySize);
        }
        catch (ArgumentException e)
        {
            string? param = e.ParamName is { } name && WireNames.TryGetValue(name, out var wire) ? wire : null;
            if (e.ParamName == nameof(CompletionOptions.JsonSchema)) param = schemaField;
            else if (e.ParamName == nameof(CompletionOptions.MaxTokens)) param = maxTokensField;
            string message = e.Message.Split(" (Parameter")[0];
            if (param is not null && e.ParamName is { } option) message = message.Replace(option, param);
            throw ApiException.BadRequest(message, param);
        }
        return options;
    }

    /// <summary>n: how many choices, 1 (the default) to <see cref="MaxChoices"/>; each is its own sequence.</summary>
    public static int Choices(int? n) => n switch
    {
        null => 1,
        < 1 or > MaxChoices => throw ApiException.BadRequest($"n must be 1 to {MaxChoices}, got {n}", "n"),
        int count => count,
    };

    static float? Finite(float? value, string field) =>
        value is float v && !float.IsFinite(v) ? throw ApiException.BadRequest($"{field} must be a finite number, got {v}", field) : value;

    /// <summary>stop: a string or an array of non-empty strings.</summary>
    static IReadOnlyList<string> StopStrings(JsonElement? stop)
    {
        if (stop is not JsonElement element || element.ValueKind == JsonValueKind.Null) return [];
        if (element.ValueKind == JsonValueKind.String)
        {
            string s = element.GetString()!;
            return s.Length == 0 ? throw ApiException.BadRequest("stop must not be an empty string", "stop") : [s];
        }
        if (element.ValueKind != JsonValueKind.Array)
            throw ApiException.BadRequest($"stop must be a string or an array of strings, got {Kind(element)}", "stop");
        var list = new List<string>();
        foreach (var item in element.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || item.GetString() is not { Length: > 0 } s)
                throw ApiException.BadRequest($"stop[{list.Count}] must be a non-empty string, got {Kind(item)}", "stop");
            list.Add(s);
        }
        if (list.Count > MaxStopStrings)
            throw ApiException.BadRequest($"stop may hold at most {MaxStopStrings} strings, got {list.Count}", "stop");
        return list;
    }

    /// <summary>response_format: text (or absent); json_object (one JSON object) or json_schema (one that satisfies the schema).</summary>
    static bool JsonMode(ResponseFormat? format) => format?.Type switch
    {
        null when format is not null => throw ApiException.BadRequest("response_format.type is required (text, json_object or json_schema)", "response_format"),
        null or "text" => false,
        "json_object" or "json_schema" => true,
        string other => throw ApiException.BadRequest($"response_format.type '{other}' is not supported (use text, json_object or json_schema)", "response_format"),
    };

    /// <summary>The schema of response_format json_schema (json_schema.schema), or of llama-server's json_object with a schema.</summary>
    static JsonElement? JsonSchema(ResponseFormat? format) => format?.Type switch
    {
        "json_schema" => format.JsonSchema?.Schema is { ValueKind: not JsonValueKind.Null } schema ? schema
            : throw ApiException.BadRequest("response_format.json_schema.schema is required with type json_schema", "response_format"),
        "json_object" when format.Schema is { ValueKind: not JsonValueKind.Null } schema => schema,
        _ => null,
    };

    /// <summary>seed: 0 or more; -1 (llama-server's) or absent means a random seed.</summary>
    static ulong? Seed(long? seed) => seed switch
    {
        null or -1 => null,
        < 0 => throw ApiException.BadRequest($"seed must be 0 or more (or -1 for a random seed), got {seed}", "seed"),
        long s => (ulong)s,
    };

    /// <summary>logit_bias: token id (a string key) → bias; -100 or less bans the token, as OpenAI documents.</summary>
    static Dictionary<int, float>? LogitBias(Dictionary<string, float>? bias, int vocabularySize)
    {
        if (bias is null) return null;
        var result = new Dictionary<int, float>();
        foreach (var (key, value) in bias)
        {
            if (!int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out int token) || token >= vocabularySize)
                throw ApiException.BadRequest($"logit_bias key '{key}' is not a token id (0..{vocabularySize - 1})", "logit_bias");
            if (!float.IsFinite(value))
                throw ApiException.BadRequest($"logit_bias for token {token} must be a finite number, got {value}", "logit_bias");
            result[token] = value <= -100 ? float.NegativeInfinity : value;
        }
        return result;
    }

    internal static string Kind(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
