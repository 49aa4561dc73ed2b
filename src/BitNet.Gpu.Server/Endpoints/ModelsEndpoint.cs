using BitNet.Gpu.Server.Http;
using BitNet.Gpu.Server.Wire;
using Microsoft.AspNetCore.Http;

namespace BitNet.Gpu.Server.Endpoints;

/// <summary>
/// GET /v1/models: the model this server runs (its id is the file name without the extension, or the alias);
/// GET /v1/models/{id}: that model by its id (OpenAI's retrieve model), any other id a 404 (model_not_found).
/// </summary>
internal sealed class ModelsEndpoint(ModelHost host)
{
    public const string Path = "/v1/models";
    public const string ItemPath = "/v1/models/{**id}";

    public Task HandleAsync(HttpContext context)
    {
        var model = host.Require();
        return JsonResponse.WriteAsync(context, new ModelList([new ModelCard(model.ModelId, host.LoadedAt)]), ServerJsonContext.Web.ModelList);
    }

    public Task GetAsync(HttpContext context, string id)
    {
        var model = host.Require();
        if (id != model.ModelId)
            throw new ApiException(404, $"The model '{id}' does not exist; this server runs '{model.ModelId}'", "model", "model_not_found");
        return JsonResponse.WriteAsync(context, new ModelCard(model.ModelId, host.LoadedAt), ServerJsonContext.Web.ModelCard);
    }
}
