using System.Text.Json.Serialization;
using BitNet.Gpu.Server.Completions;
using BitNet.Gpu.Server.Http;
using BitNet.Gpu.Server.Responses;
using BitNet.Gpu.Server.Wire;
using Microsoft.AspNetCore.Http;

namespace BitNet.Gpu.Server.Endpoints;

/// <summary>
/// OpenAI's Responses API: POST /v1/responses makes a response (whole, or streamed as named server-sent events) from
/// the input, through the model's chat template; GET /v1/responses/{id} returns a kept response and DELETE forgets it.
/// Responses are kept in memory (<see cref="ResponseStore"/>) unless the request says store false, so that a later
/// request can continue one by previous_response_id, as Microsoft.Extensions.AI's client does across tool calls.
/// </summary>
internal sealed class ResponsesEndpoint(ModelHost host, ResponseStore store)
{
    public const string Path = "/v1/responses";
    public const string ItemPath = "/v1/responses/{id}";

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

    ResponseStore.Entry Require(string id) => store.Get(id) ?? throw NotFound(id);

    static ApiException NotFound(string id) => new(404, $"no response '{id}' is kept here (unknown, stored with store false, deleted, or dropped as the oldest)", "id", "response_not_found");
}

/// <summary>The answer to DELETE /v1/responses/{id}.</summary>
internal sealed record DeletedResponse([property: JsonPropertyName("id")] string Id)
{
    [JsonPropertyName("object")] public string Object => "response.deleted";
    [JsonPropertyName("deleted")] public bool Deleted => true;
}
