using System.Reflection;
using System.Text.Json.Serialization;
using BitNet.Gpu.Server.Http;
using BitNet.Gpu.Server.Wire;
using Microsoft.AspNetCore.Http;

namespace BitNet.Gpu.Server.Endpoints;

/// <summary>
/// GET /props, as llama-server has it: the context per slot, the slots, the model, its chat template and the sampling a
/// request gets when it sets nothing, for clients that size their prompts or show the server's settings.
/// </summary>
internal sealed class PropsEndpoint(ModelHost host)
{
    public const string Path = "/props";

    static readonly string BuildInfo = typeof(PropsEndpoint).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public Task HandleAsync(HttpContext context)
    {
        var model = host.Require();
        var defaults = new CompletionOptions();
        var settings = new GenerationSettings(model.ContextLength, new SamplingDefaults(
            NPredict: -1, defaults.Temperature, defaults.TopK, defaults.TopP, defaults.MinP, defaults.RepeatPenalty,
            defaults.PresencePenalty, defaults.FrequencyPenalty));
        var props = new ServerProps(settings, model.Parallel, model.ModelId, model.ChatTemplateSource ?? "", new Modalities(false, false), BuildInfo);
        return JsonResponse.WriteAsync(context, props, ServerJsonContext.Web.ServerProps);
    }
}

/// <summary>The answer to GET /props (llama-server's field names; a model path is its id, not where it lies on disk).</summary>
internal sealed record ServerProps(
    [property: JsonPropertyName("default_generation_settings")] GenerationSettings DefaultGenerationSettings,
    [property: JsonPropertyName("total_slots")] int TotalSlots,
    [property: JsonPropertyName("model_path")] string ModelPath,
    [property: JsonPropertyName("chat_template")] string ChatTemplate,
    [property: JsonPropertyName("modalities")] Modalities Modalities,
    [property: JsonPropertyName("build_info")] string BuildInfo);

/// <summary>A slot's context and the sampling a request gets when it sets nothing.</summary>
internal sealed record GenerationSettings(
    [property: JsonPropertyName("n_ctx")] int ContextLength,
    [property: JsonPropertyName("params")] SamplingDefaults Params);

/// <summary>The default sampling, under llama-server's names; n_predict -1: until the end of text or the context.</summary>
internal sealed record SamplingDefaults(
    [property: JsonPropertyName("n_predict")] int NPredict,
    [property: JsonPropertyName("temperature")] float Temperature,
    [property: JsonPropertyName("top_k")] int TopK,
    [property: JsonPropertyName("top_p")] float TopP,
    [property: JsonPropertyName("min_p")] float MinP,
    [property: JsonPropertyName("repeat_penalty")] float RepeatPenalty,
    [property: JsonPropertyName("presence_penalty")] float PresencePenalty,
    [property: JsonPropertyName("frequency_penalty")] float FrequencyPenalty);

/// <summary>What else than text the model reads: nothing.</summary>
internal sealed record Modalities(
    [property: JsonPropertyName("vision")] bool Vision,
    [property: JsonPropertyName("audio")] bool Audio);
