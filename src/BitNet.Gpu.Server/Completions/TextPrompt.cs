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
            return first.ValueKind == JsonValueKind.String ? FromText(model, first.GetString()!) : Ids(model, first);
        }
        return Ids(model, element);
    }

    static int[] FromText(BitNetModel model, string text) =>
        text.Length == 0 ? throw ApiException.BadRequest("prompt is an empty string", "prompt") : model.TokenizePrompt(text);

    static int[] Ids(BitNetModel model, JsonElement array)
    {
        var ids = new int[array.GetArrayLength()];
        if (ids.Length == 0) throw ApiException.BadRequest("prompt is empty", "prompt");
        int i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out int id))
                throw ApiException.BadRequest($"prompt[{i}] must be a token id (an integer), got {Completions.RequestOptions.Kind(item)}", "prompt");
            if (id < 0 || id >= model.VocabularySize)
                throw ApiException.BadRequest($"prompt[{i}] = {id} is outside the vocabulary (0..{model.VocabularySize - 1})", "prompt");
            ids[i++] = id;
        }
        return ids;
    }
}
