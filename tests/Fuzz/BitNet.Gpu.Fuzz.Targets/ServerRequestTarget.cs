using BitNet.Gpu.Server.Completions;
using BitNet.Gpu.Server.Endpoints;
using BitNet.Gpu.Server.Http;
using BitNet.Gpu.Server.Wire;

namespace BitNet.Gpu.Fuzz;

/// <summary>
/// A request body as the server reads it, up to the point where it would be queued: a flag byte (even: POST
/// /v1/chat/completions, odd: POST /v1/completions), then the body: parsed (JsonBody), its messages rendered through the
/// bundled model's chat template or its prompt tokenized, its sampling and log-probability fields mapped to <see cref="CompletionOptions"/>,
/// and its length checked against the context. Allowed: <see cref="ApiException"/> with a 4xx status, the server's
/// answer to a bad request; a 5xx is a finding, as any other exception.
/// </summary>
static class ServerRequestTarget
{
    /// <summary>The bundled model on the CPU backend, loaded once per process: the vocabulary, chat template and context the
    /// mapping checks against.</summary>
    static readonly Lazy<BitNetModel> Model = new(() => BitNetModel.Load(RepositoryFiles.Path("models", "bitnet-sotu-6m-i2_s.gguf"),
        new BitNetModelOptions { Backend = "cpu", Threads = 1, ContextLength = 256 }));

    public static void Run(byte[] input)
    {
        if (input.Length == 0) return;
        var body = input.AsSpan(1).ToArray();
        try
        {
            if (input[0] % 2 == 0) ChatCompletion(body);
            else TextCompletion(body);
        }
        catch (ApiException e) when (e.Status is >= 400 and < 500) { }
        catch (ApiException e)
        {
            throw new FuzzPropertyException($"a bad request answered {e.Status}: {e.Message}");
        }
    }

    static void ChatCompletion(byte[] body)
    {
        var model = Model.Value;
        var request = JsonBody.Parse(body, ServerJsonContext.Web.ChatCompletionRequest);
        var (prompt, options, _, _) = ChatCompletionsEndpoint.Read(model, request);
        CompletionStarter.RequireFits(model, prompt, options, "messages");
    }

    static void TextCompletion(byte[] body)
    {
        var model = Model.Value;
        var request = JsonBody.Parse(body, ServerJsonContext.Web.CompletionRequest);
        var (prompt, options, _) = CompletionsEndpoint.Read(model, request);
        CompletionStarter.RequireFits(model, prompt, options, "prompt");
    }
}
