using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace BitNet.Gpu;

/// <summary>
/// Turns Microsoft.Extensions.AI's <see cref="ChatOptions"/> into <see cref="CompletionOptions"/>: Temperature, TopP,
/// TopK, MaxOutputTokens, StopSequences, Seed, FrequencyPenalty and PresencePenalty, and "min_p" and "repeat_penalty"
/// from AdditionalProperties, and ResponseFormat Json (JSON mode: one JSON object, or with a schema one that satisfies
/// it, as <c>GetResponseAsync&lt;T&gt;</c> asks). Tools are read by <see cref="ChatToolsReader"/>. A value of the wrong
/// kind is an <see cref="ArgumentException"/> naming the option.
/// </summary>
internal static class ChatOptionsReader
{
    public const string MinP = "min_p";
    public const string RepeatPenalty = "repeat_penalty";

    public static CompletionOptions Read(ChatOptions? options)
    {
        var result = new CompletionOptions();
        if (options is null) return result;

        return result with
        {
            Temperature = options.Temperature ?? result.Temperature,
            TopP = options.TopP ?? result.TopP,
            TopK = options.TopK ?? result.TopK,
            MaxTokens = options.MaxOutputTokens ?? result.MaxTokens,
            Stop = options.StopSequences is { } stops ? [.. stops] : result.Stop,
            Seed = options.Seed is long seed ? unchecked((ulong)seed) : result.Seed,
            FrequencyPenalty = options.FrequencyPenalty ?? result.FrequencyPenalty,
            PresencePenalty = options.PresencePenalty ?? result.PresencePenalty,
            MinP = Number(options.AdditionalProperties, MinP) ?? result.MinP,
            RepeatPenalty = Number(options.AdditionalProperties, RepeatPenalty) ?? result.RepeatPenalty,
            JsonObject = options.ResponseFormat is ChatResponseFormatJson,
            JsonSchema = (options.ResponseFormat as ChatResponseFormatJson)?.Schema,
        };
    }

    /// <summary>A number from AdditionalProperties: any numeric type, a JSON number, or a string holding one.</summary>
    static float? Number(AdditionalPropertiesDictionary? properties, string key)
    {
        if (properties is null || !properties.TryGetValue(key, out object? value) || value is null) return null;
        double? number = value switch
        {
            JsonElement { ValueKind: JsonValueKind.Number } json => json.GetDouble(),
            string text when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed) => parsed,
            string => null,
            IConvertible convertible and not bool => convertible.ToDouble(CultureInfo.InvariantCulture),
            _ => null,
        };
        return number is double d
            ? (float)d
            : throw new ArgumentException($"AdditionalProperties[\"{key}\"] must be a number, got {value}", key);
    }
}
