using System.Runtime.InteropServices;
using BitNet.Gpu.Engine.Embeddings;
using BitNet.Gpu.Server.Embeddings;
using BitNet.Gpu.Server.Http;
using BitNet.Gpu.Server.Wire;
using Microsoft.AspNetCore.Http;

namespace BitNet.Gpu.Server.Endpoints;

/// <summary>
/// POST /v1/embeddings: OpenAI's create embeddings. Each input's final hidden states pooled (the server's
/// <see cref="ServerOptions.Pooling"/>) into one unit-length vector of the model's hidden size, as floats or base64
/// (what OpenAI's SDKs ask for by default). The inputs run in the model's slots beside the completions.
/// </summary>
internal sealed class EmbeddingsEndpoint(ModelHost host, EmbeddingPooling pooling)
{
    public const string Path = "/v1/embeddings";

    public async Task HandleAsync(HttpContext context)
    {
        var request = await JsonBody.ReadAsync(context, ServerJsonContext.Web.EmbeddingRequest);
        var model = host.Require();
        var (inputs, base64) = Read(model, request);

        var vectors = await EmbeddingRun.EmbedAsync(model, inputs, new EmbeddingOptions { Pooling = pooling }, context.RequestAborted);
        int tokens = inputs.Sum(i => i.Length);
        var usage = new EmbeddingUsage(tokens, tokens);
        if (base64)
        {
            var list = new EmbeddingList<string>([.. vectors.Select((v, i) => new EmbeddingItem<string>(i, Base64(v)))], model.ModelId, usage);
            await JsonResponse.WriteAsync(context, list, ServerJsonContext.Web.EmbeddingListString);
        }
        else
        {
            var list = new EmbeddingList<float[]>([.. vectors.Select((v, i) => new EmbeddingItem<float[]>(i, v))], model.ModelId, usage);
            await JsonResponse.WriteAsync(context, list, ServerJsonContext.Web.EmbeddingListSingleArray);
        }
    }

    /// <summary>The request's inputs as token lists and whether the vectors go out as base64, every field checked (a bad one is a 400 naming it).</summary>
    internal static (int[][] Inputs, bool Base64) Read(BitNetModel model, EmbeddingRequest request)
    {
        bool base64 = request.EncodingFormat switch
        {
            null or "float" => false,
            "base64" => true,
            var other => throw ApiException.BadRequest($"encoding_format must be \"float\" or \"base64\", got \"{other}\"", "encoding_format"),
        };
        if (request.Dimensions is int dimensions && dimensions != model.EmbeddingLength)
            throw ApiException.BadRequest($"dimensions must be the model's embedding length {model.EmbeddingLength} (or left out): " +
                                          "this model's vectors cannot be shortened", "dimensions");
        return (EmbeddingInput.Tokens(model, request.Input), base64);
    }

    /// <summary>The vector's float32 values as bytes, little-endian (as OpenAI encodes them), in base64.</summary>
    static string Base64(float[] vector)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("base64 embeddings are written on little-endian machines only");
        return Convert.ToBase64String(MemoryMarshal.AsBytes(vector.AsSpan()));
    }
}
