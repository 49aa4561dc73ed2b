using BitNet.Gpu.Server.Http;
using BitNet.Gpu.Server.Wire;
using Microsoft.AspNetCore.Http;

namespace BitNet.Gpu.Server.Endpoints;

/// <summary>GET /v1/models: the model this server runs (its id is the file name without the extension).</summary>
internal sealed class ModelsEndpoint(ModelHost host)
{
    public const string Path = "/v1/models";

    public Task HandleAsync(HttpContext context)
    {
        var model = host.Require();
        return JsonResponse.WriteAsync(context, new ModelList([new ModelCard(model.ModelId, host.LoadedAt)]), ServerJsonContext.Web.ModelList);
    }
}
