using System.Text.Json.Serialization;
using BitNet.Gpu.Server.Completions;
using BitNet.Gpu.Server.Http;
using BitNet.Gpu.Server.Responses;
using BitNet.Gpu.Server.Wire;
using Microsoft.AspNetCore.Http;

namespace BitNet.Gpu.Server.Endpoints;

/// <summary>
/// OpenAI's Responses API: POST /v1/responses makes a response (whole, or streamed as named server-sent events) from
/// the input, through the model's chat template; GET /v1/responses/{id} returns a kept response and DELETE forgets it;
/// GET /v1/responses/{id}/input_items lists its request's input items, a page at a time; POST /v1/responses/input_tokens
/// counts the prompt tokens a request would take.
/// Responses are kept in memory (<see cref="ResponseStore"/>) unless the request says store false, so that a later
/// request can continue one by previous_response_id, as Microsoft.Extensions.AI's client does across tool calls.
/// </summary>
internal sealed class ResponsesEndpoint(ModelHost host, ResponseStore store)
{
    public const string Path = "/v1/responses";
    public const string ItemPath = "/v1/responses/{id}";
    public const string InputItemsPath = "/v1/responses/{id}/input_items";
    public const string InputTokensPath = "/v1/responses/input_tokens";

    /// <summary>The most input items one page lists, and how many when the request does not say (OpenAI's).</summary>
    const int MostItemsPerPage = 100, DefaultItemsPerPage = 20;

    public async Task CreateAsync(HttpContext context)
    {
        var request = await JsonBody.ReadAsync(context, ServerJsonContext.Web.ResponseRequest);
        var model = host.Require();
        var turn = ResponseTurn.Read(model, request, store);
        var choices = CompletionStarter.Start(model, turn.Prompt, turn.Options, 1, "input", context.RequestAborted);

        ResponseObject? response;
        if (request.Stream == true)
            response = await ResponseStream.StreamAsync(context, choices, turn);
        else
        {
            var whole = (await CompletionOutput.CollectAsync(choices, context.RequestAborted))[0];
            response = turn.Finish(whole.Text, whole.Tokens, whole.Stats);
            await JsonResponse.WriteAsync(context, response, ServerJsonContext.Web.ResponseObject);
        }
        if (response is not null && turn.Kept(response) is { } kept) store.Add(kept);
    }

    public async Task GetAsync(HttpContext context, string id) =>
        await JsonResponse.WriteAsync(context, Require(id).Response, ServerJsonContext.Web.ResponseObject);

    public async Task DeleteAsync(HttpContext context, string id)
    {
        if (!store.Remove(id)) throw NotFound(id);
        await JsonResponse.WriteAsync(context, new DeletedResponse(id), ServerJsonContext.Web.DeletedResponse);
    }

    /// <summary>A kept response's input items: limit (1 to 100, default 20), order (desc, the default, or asc), and a page
    /// after or before an item's id; has_more says whether more follow in that order.</summary>
    public async Task InputItemsAsync(HttpContext context, string id)
    {
        var entry = Require(id);
        var query = context.Request.Query;
        int limit = DefaultItemsPerPage;
        if (query["limit"].Count > 0 && !(int.TryParse(query["limit"], out limit) && limit is >= 1 and <= MostItemsPerPage))
            throw ApiException.BadRequest($"limit must be an integer from 1 to {MostItemsPerPage}, got '{query["limit"]}'", "limit");
        var items = (string?)query["order"] switch
        {
            null or "desc" => entry.InputItems.Reverse().ToList(),
            "asc" => entry.InputItems.ToList(),
            var other => throw ApiException.BadRequest($"order must be asc or desc, got '{other}'", "order"),
        };
        int start = 0, end = items.Count;
        if ((string?)query["after"] is { } after) start = IndexOf(items, after, "after") + 1;
        if ((string?)query["before"] is { } before) end = IndexOf(items, before, "before");
        var page = items.Skip(start).Take(Math.Max(0, Math.Min(limit, end - start))).ToList();
        var list = new InputItemList(page, page.Count > 0 ? ResponseInputItems.IdOf(page[0]) : null,
                                     page.Count > 0 ? ResponseInputItems.IdOf(page[^1]) : null, start + page.Count < end);
        await JsonResponse.WriteAsync(context, list, ServerJsonContext.Web.InputItemList);
    }

    static int IndexOf(List<System.Text.Json.JsonElement> items, string itemId, string field)
    {
        int index = items.FindIndex(item => ResponseInputItems.IdOf(item) == itemId);
        return index >= 0 ? index : throw ApiException.BadRequest($"{field}: no input item '{itemId}' in this response", field);
    }

    /// <summary>The prompt tokens a Responses request would take (its input, instructions, tools and the conversation of
    /// previous_response_id, through the chat template), without running it.</summary>
    public async Task InputTokensAsync(HttpContext context)
    {
        var request = await JsonBody.ReadAsync(context, ServerJsonContext.Web.ResponseRequest);
        var turn = ResponseTurn.Read(host.Require(), request, store);
        await JsonResponse.WriteAsync(context, new InputTokenCount(turn.Prompt.Length), ServerJsonContext.Web.InputTokenCount);
    }

    ResponseStore.Entry Require(string id) => store.Get(id) ?? throw NotFound(id);

    static ApiException NotFound(string id) => new(404, $"no response '{id}' is kept here (unknown, stored with store false, deleted, or dropped as the oldest)", "id", "response_not_found");
}

/// <summary>The answer to GET /v1/responses/{id}/input_items: a page of the input items.</summary>
internal sealed record InputItemList(
    [property: JsonPropertyName("data")] IReadOnlyList<System.Text.Json.JsonElement> Data,
    [property: JsonPropertyName("first_id")] string? FirstId,
    [property: JsonPropertyName("last_id")] string? LastId,
    [property: JsonPropertyName("has_more")] bool HasMore)
{
    [JsonPropertyName("object"), JsonPropertyOrder(-1)] public string Object => "list";
}

/// <summary>The answer to POST /v1/responses/input_tokens.</summary>
internal sealed record InputTokenCount([property: JsonPropertyName("input_tokens")] int InputTokens)
{
    [JsonPropertyName("object"), JsonPropertyOrder(-1)] public string Object => "response.input_tokens";
}

/// <summary>The answer to DELETE /v1/responses/{id}.</summary>
internal sealed record DeletedResponse([property: JsonPropertyName("id")] string Id)
{
    [JsonPropertyName("object")] public string Object => "response.deleted";
    [JsonPropertyName("deleted")] public bool Deleted => true;
}
