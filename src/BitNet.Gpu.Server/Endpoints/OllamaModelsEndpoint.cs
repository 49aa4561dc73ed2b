using System.Reflection;
using BitNet.Gpu.Server.Http;
using BitNet.Gpu.Server.Ollama;
using BitNet.Gpu.Server.Wire;
using Microsoft.AspNetCore.Http;

namespace BitNet.Gpu.Server.Endpoints;

/// <summary>
/// Ollama's model endpoints, so that Ollama's clients find the model: GET /api/tags (the models here: the one this
/// server runs), GET /api/ps (the loaded ones: the same), POST /api/show (its details, template, parameters and
/// metadata) and GET /api/version (this server's version). GET /, which Ollama's clients ask to see whether a server
/// is there, is the <see cref="WebUiEndpoint"/>'s.
/// </summary>
internal sealed class OllamaModelsEndpoint(ModelHost host)
{
    public const string TagsPath = "/api/tags";
    public const string RunningPath = "/api/ps";
    public const string ShowPath = "/api/show";
    public const string VersionPath = "/api/version";

    /// <summary>This server's version (the product's, without its source revision).</summary>
    static readonly string Version = (typeof(OllamaModelsEndpoint).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0").Split('+')[0];

    readonly OllamaCatalog _catalog = new();

    public async Task TagsAsync(HttpContext context)
    {
        var entry = await _catalog.EntryAsync(host.Require(), loaded: false);
        await JsonResponse.WriteAsync(context, new OllamaModelList([entry]), ServerJsonContext.Web.OllamaModelList);
    }

    public async Task RunningAsync(HttpContext context)
    {
        var entry = await _catalog.EntryAsync(host.Require(), loaded: true);
        await JsonResponse.WriteAsync(context, new OllamaModelList([entry]), ServerJsonContext.Web.OllamaModelList);
    }

    public async Task ShowAsync(HttpContext context)
    {
        var request = await JsonBody.ReadAsync(context, ServerJsonContext.Web.OllamaShowRequest);
        var model = host.Require();
        OllamaCatalog.RequireModel(request.Model ?? request.Name);
        await JsonResponse.WriteAsync(context, OllamaCatalog.Show(model), ServerJsonContext.Web.OllamaShowResponse);
    }

    public Task VersionAsync(HttpContext context) =>
        JsonResponse.WriteAsync(context, new OllamaVersion(Version), ServerJsonContext.Web.OllamaVersion);
}
