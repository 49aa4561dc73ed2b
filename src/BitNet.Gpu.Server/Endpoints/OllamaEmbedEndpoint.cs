using System.Diagnostics;
using System.Text.Json;
using BitNet.Gpu.Engine.Embeddings;
using BitNet.Gpu.Server.Completions;
using BitNet.Gpu.Server.Embeddings;
using BitNet.Gpu.Server.Http;
using BitNet.Gpu.Server.Ollama;
using BitNet.Gpu.Server.Wire;
using Microsoft.AspNetCore.Http;

namespace BitNet.Gpu.Server.Endpoints;

/// <summary>
/// Ollama's embeddings: POST /api/embed (a text or many, each a unit vector pooled as the server's
/// <see cref="ServerOptions.Pooling"/>; truncate, true by default, keeps a text's first context-length tokens, false
/// refuses it) and the earlier POST /api/embeddings (one prompt, its vector not normalized, as Ollama gave it).
/// </summary>
internal sealed class OllamaEmbedEndpoint(ModelHost host, EmbeddingPooling pooling)
{
    public const string Path = "/api/embed";
    public const string LegacyPath = "/api/embeddings";

    public async Task EmbedAsync(HttpContext context)
    {
        long started = Stopwatch.GetTimestamp();
        var request = await JsonBody.ReadAsync(context, ServerJsonContext.Web.OllamaEmbedRequest);
        var model = host.Require();
        var inputs = Read(model, request);
        var vectors = await EmbedAsync(model, inputs, normalize: true, context.RequestAborted);
        var answer = new OllamaEmbedResponse(OllamaCatalog.Name(model), vectors, OllamaClock.Since(started), 0, inputs.Sum(i => i.Length));
        await JsonResponse.WriteAsync(context, answer, ServerJsonContext.Web.OllamaEmbedResponse);
    }

    public async Task EmbedLegacyAsync(HttpContext context)
    {
        var request = await JsonBody.ReadAsync(context, ServerJsonContext.Web.OllamaLegacyEmbedRequest);
        var model = host.Require();
        OllamaCatalog.RequireModel(request.Model);
        float[] vector = [];
        if (!string.IsNullOrEmpty(request.Prompt))
        {
            int[] tokens = Fitting(model, model.TokenizePrompt(request.Prompt), truncate: true, "prompt");
            vector = (await EmbedAsync(model, [tokens], normalize: false, context.RequestAborted))[0];
        }
        await JsonResponse.WriteAsync(context, new OllamaLegacyEmbedResponse(vector), ServerJsonContext.Web.OllamaLegacyEmbedResponse);
    }

    async Task<float[][]> EmbedAsync(BitNetModel model, int[][] inputs, bool normalize, CancellationToken cancel)
    {
        if (inputs.Length == 0) return [];
        return await EmbeddingRun.EmbedAsync(model, inputs, new EmbeddingOptions { Pooling = pooling, Normalize = normalize }, cancel);
    }

    /// <summary>The inputs' tokens, every field checked (a bad one is a 400 naming it).</summary>
    internal static int[][] Read(BitNetModel model, OllamaEmbedRequest request)
    {
        OllamaCatalog.RequireModel(request.Model);
        if (request.Dimensions is int dimensions && dimensions != model.EmbeddingLength)
            throw ApiException.BadRequest($"dimensions must be the model's embedding length {model.EmbeddingLength} (or left out): " +
                                          "this model's vectors cannot be shortened", "dimensions");
        bool truncate = request.Truncate ?? true;
        var texts = Texts(request.Input);
        var inputs = new int[texts.Count][];
        for (int i = 0; i < texts.Count; i++)
        {
            string field = texts.Count == 1 && request.Input!.Value.ValueKind == JsonValueKind.String ? "input" : $"input[{i}]";
            if (texts[i].Length == 0) throw ApiException.BadRequest($"{field} is an empty string", "input");
            inputs[i] = Fitting(model, model.TokenizePrompt(texts[i]), truncate, field);
        }
        return inputs;
    }

    /// <summary>input: a string or an array of strings (at most <see cref="EmbeddingInput.MaxInputs"/>).</summary>
    static List<string> Texts(JsonElement? input)
    {
        if (input is not { ValueKind: not JsonValueKind.Null } element)
            throw ApiException.BadRequest("input is required: a string or an array of strings", "input");
        if (element.ValueKind == JsonValueKind.String) return [element.GetString()!];
        if (element.ValueKind != JsonValueKind.Array)
            throw ApiException.BadRequest($"input must be a string or an array of strings, got {RequestOptions.Kind(element)}", "input");
        int count = element.GetArrayLength();
        if (count > EmbeddingInput.MaxInputs)
            throw ApiException.BadRequest($"input holds {count} items; at most {EmbeddingInput.MaxInputs} may be embedded in one request", "input");
        var texts = new List<string>(count);
        foreach (var item in element.EnumerateArray())
            texts.Add(item.ValueKind == JsonValueKind.String ? item.GetString()!
                : throw ApiException.BadRequest($"input[{texts.Count}] must be a string, got {RequestOptions.Kind(item)}", "input"));
        return texts;
    }

    /// <summary>A text's tokens within the context: its first context-length tokens with truncate, else a 400.</summary>
    static int[] Fitting(BitNetModel model, int[] tokens, bool truncate, string field) =>
        tokens.Length <= model.ContextLength ? tokens
        : truncate ? tokens[..model.ContextLength]
        : throw ApiException.BadRequest($"{field} is {tokens.Length} tokens, more than the context length of {model.ContextLength} (truncate: true keeps its start)",
                                        "input", "context_length_exceeded");
}
