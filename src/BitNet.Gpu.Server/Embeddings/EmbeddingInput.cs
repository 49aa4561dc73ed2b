using System.Text.Json;
using BitNet.Gpu.Server.Completions;
using BitNet.Gpu.Server.Http;

namespace BitNet.Gpu.Server.Embeddings;

/// <summary>
/// The token lists of an embeddings request's input, as OpenAI reads it: a string, an array of strings, an array of
/// token ids (one input), or an array of arrays of token ids; at most <see cref="MaxInputs"/> inputs, none empty, each
/// within the context. Strings are tokenized as prompts (BOS first, control-token texts parsed), as llama-server does.
/// Anything else is a 400 naming input (and the item).
/// </summary>
internal static class EmbeddingInput
{
    /// <summary>The most inputs in one request (OpenAI's limit).</summary>
    public const int MaxInputs = 2048;

    /// <summary>The inputs' token lists; errors name <paramref name="field"/>, the request's field (llama-server's /embedding also reads content).</summary>
    public static int[][] Tokens(BitNetModel model, JsonElement? input, string field = "input")
    {
        if (input is not JsonElement element || element.ValueKind == JsonValueKind.Null)
            throw ApiException.BadRequest($"{field} is required: a string, an array of strings, an array of token ids or an array of such arrays", field);
        if (element.ValueKind == JsonValueKind.String) return [Fitting(model, FromText(model, element.GetString()!, field, field), field, field)];
        if (element.ValueKind != JsonValueKind.Array)
            throw ApiException.BadRequest($"{field} must be a string or an array, got {RequestOptions.Kind(element)}", field);

        int count = element.GetArrayLength();
        if (count == 0) throw ApiException.BadRequest($"{field} is an empty array", field);
        if (element[0].ValueKind == JsonValueKind.Number) return [Fitting(model, TextPrompt.Ids(model, element, field, field), field, field)];
        if (count > MaxInputs) throw ApiException.BadRequest($"{field} holds {count} items; at most {MaxInputs} may be embedded in one request", field);

        var inputs = new int[count][];
        int i = 0;
        foreach (var item in element.EnumerateArray())
        {
            string name = $"{field}[{i}]";
            inputs[i++] = Fitting(model, item.ValueKind switch
            {
                JsonValueKind.String => FromText(model, item.GetString()!, name, field),
                JsonValueKind.Array => TextPrompt.Ids(model, item, name, field),
                _ => throw ApiException.BadRequest($"{name} must be a string or an array of token ids, got {RequestOptions.Kind(item)}", field),
            }, name, field);
        }
        return inputs;
    }

    static int[] FromText(BitNetModel model, string text, string name, string field) =>
        text.Length == 0 ? throw ApiException.BadRequest($"{name} is an empty string", field) : model.TokenizePrompt(text);

    static int[] Fitting(BitNetModel model, int[] tokens, string name, string field) =>
        tokens.Length <= model.ContextLength ? tokens
            : throw ApiException.BadRequest($"{name} is {tokens.Length} tokens, more than the context length of {model.ContextLength}", field, "context_length_exceeded");
}
