using System.Text.Json.Serialization;
using BitNet.Gpu.Server.Http;
using BitNet.Gpu.Server.Wire;
using Microsoft.AspNetCore.Http;

namespace BitNet.Gpu.Server.Endpoints;

/// <summary>
/// GET /slots, as llama-server has it: each KV cache slot, whether a request holds it, the tokens its cache holds
/// (n_past) and the running request's prompt and generated tokens.
/// </summary>
internal sealed class SlotsEndpoint(ModelHost host)
{
    public const string Path = "/slots";

    public Task HandleAsync(HttpContext context)
    {
        var model = host.Require();
        var slots = model.Slots.Select(s => new SlotInfo(s.Index, model.ContextLength, s.IsProcessing, s.CachedTokens, s.PromptTokens,
                                                         new NextToken(s.GeneratedTokens))).ToList();
        return JsonResponse.WriteAsync(context, slots, ServerJsonContext.Web.ListSlotInfo);
    }
}

/// <summary>One slot in GET /slots, under llama-server's names.</summary>
internal sealed record SlotInfo(
    [property: JsonPropertyName("id")] int Id,
    [property: JsonPropertyName("n_ctx")] int ContextLength,
    [property: JsonPropertyName("is_processing")] bool IsProcessing,
    [property: JsonPropertyName("n_past")] int CachedTokens,
    [property: JsonPropertyName("n_prompt_tokens")] int PromptTokens,
    [property: JsonPropertyName("next_token")] NextToken NextToken);

/// <summary>The running request's generation so far.</summary>
internal sealed record NextToken([property: JsonPropertyName("n_decoded")] int Decoded);
