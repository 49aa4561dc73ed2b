using BitNet.Gpu.Server.Anthropic;
using BitNet.Gpu.Server.Completions;
using BitNet.Gpu.Server.Embeddings;
using BitNet.Gpu.Server.Endpoints;
using BitNet.Gpu.Server.Http;
using BitNet.Gpu.Server.Responses;
using BitNet.Gpu.Server.Wire;

namespace BitNet.Gpu.Fuzz;

/// <summary>
/// A request body as the server reads it, up to the point where it would be queued: a flag byte (its value mod 9 picks
/// 0: POST /v1/chat/completions, 1: POST /v1/completions, 2: POST /v1/responses, 3: POST /v1/messages,
/// 4: POST /v1/embeddings, 5: POST /completion, 6: Ollama's POST /api/generate, 7: /api/chat, 8: /api/embed), then the body: parsed (JsonBody), its messages or input rendered through the bundled model's
/// chat template or its prompt (or embedding inputs) tokenized, its sampling and
/// log-probability fields mapped to <see cref="CompletionOptions"/>, and its length checked against the context. A
/// response continues from a store holding one kept response (<see cref="KeptId"/>); a response or a message turns
/// a fixed answer into its output. Allowed: <see cref="ApiException"/> with a 4xx status, the server's
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
            switch (input[0] % 9)
            {
                case 0: ChatCompletion(body); break;
                case 1: TextCompletion(body); break;
                case 2: Response(body); break;
                case 3: Message(body); break;
                case 4: Embeddings(body); break;
                case 5: NativeCompletion(body); break;
                case 6: OllamaGenerate(body); break;
                case 7: OllamaChat(body); break;
                default: OllamaEmbed(body); break;
            }
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
        var (prompt, options, _, _, _) = ChatCompletionsEndpoint.Read(model, request);
        CompletionStarter.RequireFits(model, prompt, options, "messages");
    }

    static void TextCompletion(byte[] body)
    {
        var model = Model.Value;
        var request = JsonBody.Parse(body, ServerJsonContext.Web.CompletionRequest);
        var (prompt, options, _, _) = CompletionsEndpoint.Read(model, request);
        CompletionStarter.RequireFits(model, prompt, options, "prompt");
    }

    /// <summary>The id of the response the store keeps for previous_response_id.</summary>
    public const string KeptId = "resp_kept";

    static readonly Lazy<ResponseStore> Store = new(() =>
    {
        var store = new ResponseStore(4);
        var first = ResponseTurn.Read(Model.Value, JsonBody.Parse("""{"input":"Hi","max_output_tokens":4}"""u8.ToArray(), ServerJsonContext.Web.ResponseRequest), store);
        var response = first.Finish("Hello", [], new CompletionStats(3, 1, "stop", "end of text", TimeSpan.Zero, TimeSpan.Zero)) with { Id = KeptId };
        store.Add(first.Kept(response)!);
        return store;
    });

    static void Response(byte[] body)
    {
        var model = Model.Value;
        var request = JsonBody.Parse(body, ServerJsonContext.Web.ResponseRequest);
        var turn = ResponseTurn.Read(model, request, Store.Value);
        CompletionStarter.RequireFits(model, turn.Prompt, turn.Options, "input");
        var answer = turn.Tools is null ? "Sunny" : """{"tool_calls":[{"get_forecast":{"city":"Oslo"}}]}""";
        var response = turn.Finish(answer, [], new CompletionStats(turn.Prompt.Length, 2, "stop", "end of text", TimeSpan.Zero, TimeSpan.Zero));
        turn.Kept(response);
    }

    static void NativeCompletion(byte[] body)
    {
        var model = Model.Value;
        var request = JsonBody.Parse(body, ServerJsonContext.Web.NativeCompletionRequest);
        var (prompt, options) = NativeCompletionEndpoint.Read(model, request);
        CompletionStarter.RequireFits(model, prompt, options, "prompt");
    }

    static void OllamaGenerate(byte[] body)
    {
        var model = Model.Value;
        var request = JsonBody.Parse(body, ServerJsonContext.Web.OllamaGenerateRequest);
        var (prompt, options) = OllamaGenerateEndpoint.Read(model, request);
        CompletionStarter.RequireFits(model, prompt, options, "prompt");
    }

    static void OllamaChat(byte[] body)
    {
        var model = Model.Value;
        var request = JsonBody.Parse(body, ServerJsonContext.Web.OllamaChatRequest);
        var (prompt, options, _) = OllamaChatEndpoint.Read(model, request);
        CompletionStarter.RequireFits(model, prompt, options, "messages");
    }

    static void OllamaEmbed(byte[] body)
    {
        var inputs = OllamaEmbedEndpoint.Read(Model.Value, JsonBody.Parse(body, ServerJsonContext.Web.OllamaEmbedRequest));
        if (inputs.Length > EmbeddingInput.MaxInputs || inputs.Any(i => i.Length == 0 || i.Length > Model.Value.ContextLength))
            throw new FuzzPropertyException($"Ollama embedding inputs passed the checks with {inputs.Length} inputs of lengths {string.Join(", ", inputs.Select(i => i.Length))}");
    }

    static void Embeddings(byte[] body)
    {
        var request = JsonBody.Parse(body, ServerJsonContext.Web.EmbeddingRequest);
        var (inputs, _) = EmbeddingsEndpoint.Read(Model.Value, request);
        if (inputs.Length is 0 or > EmbeddingInput.MaxInputs || inputs.Any(i => i.Length == 0 || i.Length > Model.Value.ContextLength))
            throw new FuzzPropertyException($"embedding inputs passed the checks with {inputs.Length} inputs of lengths {string.Join(", ", inputs.Select(i => i.Length))}");
    }

    static void Message(byte[] body)
    {
        var request = JsonBody.Parse(body, ServerJsonContext.Web.MessagesRequest);
        var turn = MessageTurn.Read(Model.Value, request);
        CompletionStarter.RequireFits(Model.Value, turn.Prompt, turn.Options, "messages");
        var answer = turn.Tools is null ? "Sunny" : """{"tool_calls":[{"get_forecast":{"city":"Os""";
        turn.Finish(answer, new CompletionStats(turn.Prompt.Length, 2, "length", "length", TimeSpan.Zero, TimeSpan.Zero));
    }
}
