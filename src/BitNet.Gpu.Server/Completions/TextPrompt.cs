using System.Text.Json;
using BitNet.Gpu.Server.Http;

namespace BitNet.Gpu.Server.Completions;

/// <summary>
/// The prompt tokens of a text completion request: a string (tokenized as llama-server does: BOS when the vocabulary
/// asks for it, control-token texts parsed), an array of token ids, or an array holding one of those. Several prompts
/// in one request, or anything else, are a 400 naming prompt.
/// </summary>
internal static class TextPrompt
{
    public static int[] Tokens(BitNetModel model, JsonElement? prompt)
    {
        if (prompt is not JsonElement element || element.ValueKind == JsonValueKind.Null)
            throw ApiException.BadRequest("prompt is required: a string or an array of token ids", "prompt");
        if (element.ValueKind == JsonValueKind.String) return FromText(model, element.GetString()!);
        if (element.ValueKind != JsonValueKind.Array)
            throw ApiException.BadRequest($"prompt must be a string or an array of token ids, got {Completions.RequestOptions.Kind(element)}", "prompt");

        int count = element.GetArrayLength();
        if (count == 0) throw ApiException.BadRequest("prompt is empty", "prompt");
        var first = element[0];
        if (first.ValueKind is JsonValueKind.String or JsonValueKind.Array)
        {
            if (count > 1) throw ApiException.BadRequest($"prompt holds {count} prompts; this server completes one prompt per request", "prompt");
            return first.ValueKind == JsonValueKind.String ? FromText(model, first.GetString()!) : Ids(model, first, "prompt", "prompt");
        }
        return Ids(model, element, "prompt", "prompt");
    }

    static int[] FromText(BitNetModel model, string text) =>
        text.Length == 0 ? throw ApiException.BadRequest("prompt is an empty string", "prompt") : model.TokenizePrompt(text);

    /// <summary>The token ids of a JSON array (<paramref name="name"/> in messages, e.g. input[2]), each in the vocabulary;
    /// an empty array, or an item that is not a token id, is a 400 naming <paramref name="field"/>.</summary>
    internal static int[] Ids(BitNetModel model, JsonElement array, string name, string field)
    {
        var ids = new int[array.GetArrayLength()];
        if (ids.Length == 0) throw ApiException.BadRequest($"{name} is empty", field);
        int i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out int id))
                throw ApiException.BadRequest($"{name}[{i}] must be a token id (an integer), got {RequestOptions.Kind(item)}", field);
            if (id < 0 || id >= model.VocabularySize)
                throw ApiException.BadRequest($"{name}[{i}] = {id} is outside the vocabulary (0..{model.VocabularySize - 1})", field);
            ids[i++] = id;
        }
        return ids;
    }
}
