using BitNet.Gpu.Engine.Embeddings;
using BitNet.Gpu.Server.Embeddings;
using BitNet.Gpu.Server.Http;
using BitNet.Gpu.Server.Wire;
using Microsoft.AspNetCore.Http;

namespace BitNet.Gpu.Server.Endpoints;

/// <summary>
/// POST /embedding and /embeddings: llama-server's own embeddings API. Each input's final hidden states pooled (the
/// server's <see cref="ServerOptions.Pooling"/>), scaled as embd_normalize asks (<see cref="EmbeddingNorm"/>), and
/// answered as llama-server answers a pooled model: <c>[{"index": 0, "embedding": [[...]]}, ...]</c>.
/// </summary>
internal sealed class NativeEmbeddingEndpoint(ModelHost host, EmbeddingPooling pooling)
{
    public const string Path = "/embedding";
    public const string PluralPath = "/embeddings";

    public async Task HandleAsync(HttpContext context)
    {
        var request = await JsonBody.ReadAsync(context, ServerJsonContext.Web.NativeEmbeddingRequest);
        var model = host.Require();
        var (inputs, norm) = Read(model, request);

        // The Euclidean norm (the default) is the library's own: the same vectors as /v1/embeddings, to the bit.
        var vectors = await EmbeddingRun.EmbedAsync(model, inputs, new EmbeddingOptions { Pooling = pooling, Normalize = norm == 2 }, context.RequestAborted);
        var answer = vectors.Select((v, i) => new NativeEmbedding(i, [norm == 2 ? v : EmbeddingNorm.Apply(v, norm)])).ToArray();
        await JsonResponse.WriteAsync(context, answer, ServerJsonContext.Web.NativeEmbeddingArray);
    }

    /// <summary>The inputs as token lists and the norm, every field checked (a bad one is a 400 naming it).</summary>
    internal static (int[][] Inputs, int Norm) Read(BitNetModel model, NativeEmbeddingRequest request)
    {
        int norm = request.EmbdNormalize ?? 2;
        if (norm > EmbeddingNorm.MaxP)
            throw ApiException.BadRequest($"embd_normalize must be -1 (none), 0 (max-abs), 1 (taxicab), 2 (Euclidean) or a p-norm up to {EmbeddingNorm.MaxP}, got {norm}", "embd_normalize");
        var inputs = request.Input is { ValueKind: not System.Text.Json.JsonValueKind.Null } input
            ? EmbeddingInput.Tokens(model, input)
            : EmbeddingInput.Tokens(model, request.Content, "content");
        return (inputs, norm);
    }
}
