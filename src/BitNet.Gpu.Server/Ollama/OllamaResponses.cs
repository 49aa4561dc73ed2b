using System.Text.Json;
using System.Text.Json.Serialization;

namespace BitNet.Gpu.Server.Ollama;

/// <summary>
/// What Ollama's generate and chat answers share: the model, when, whether this is the last object of the answer, its
/// log-probabilities when asked for, and in the last object why it stopped and the counts and durations in nanoseconds.
/// </summary>
internal abstract record OllamaReply(
    [property: JsonPropertyName("model"), JsonPropertyOrder(-2)] string Model,
    [property: JsonPropertyName("created_at"), JsonPropertyOrder(-1)] string CreatedAt,
    [property: JsonPropertyName("done")] bool Done,
    [property: JsonPropertyName("logprobs"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<OllamaLogprob>? Logprobs)
{
    [JsonPropertyName("done_reason"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? DoneReason { get; init; }
    [JsonPropertyName("total_duration"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public long? TotalDuration { get; init; }
    [JsonPropertyName("load_duration"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public long? LoadDuration { get; init; }
    [JsonPropertyName("prompt_eval_count"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? PromptEvalCount { get; init; }
    [JsonPropertyName("prompt_eval_duration"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public long? PromptEvalDuration { get; init; }
    [JsonPropertyName("eval_count"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? EvalCount { get; init; }
    [JsonPropertyName("eval_duration"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public long? EvalDuration { get; init; }

    /// <summary><paramref name="reply"/> as the last object of an answer: why it stopped, its counts, and the time since
    /// <paramref name="started"/> (a <see cref="System.Diagnostics.Stopwatch.GetTimestamp"/>) as its total duration.</summary>
    public static T Ending<T>(T reply, CompletionStats stats, long started) where T : OllamaReply =>
        (T)((OllamaReply)reply with
        {
            DoneReason = stats.FinishReason,
            TotalDuration = OllamaClock.Since(started),
            LoadDuration = 0,
            PromptEvalCount = stats.PromptTokens,
            PromptEvalDuration = OllamaClock.Nanoseconds(stats.PromptTime),
            EvalCount = stats.CompletionTokens,
            EvalDuration = OllamaClock.Nanoseconds(stats.GenerationTime),
        });
}

/// <summary>
/// A piece of a streamed /api/generate answer, or (done: true) its end, with the conversation's tokens (context, to
/// continue it); the whole answer when not streamed.
/// </summary>
internal sealed record OllamaGenerateResponse(
    string Model, string CreatedAt,
    [property: JsonPropertyName("response")] string Response,
    bool Done, IReadOnlyList<OllamaLogprob>? Logprobs = null) : OllamaReply(Model, CreatedAt, Done, Logprobs)
{
    [JsonPropertyName("context"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int[]? Context { get; init; }
}

/// <summary>A piece of a streamed /api/chat answer, or its end (done: true); the whole answer when not streamed.</summary>
internal sealed record OllamaChatResponse(
    string Model, string CreatedAt,
    [property: JsonPropertyName("message")] OllamaReplyMessage Message,
    bool Done, IReadOnlyList<OllamaLogprob>? Logprobs = null) : OllamaReply(Model, CreatedAt, Done, Logprobs);

/// <summary>The assistant's message in a chat answer: its text, and the calls it made (arguments as objects).</summary>
internal sealed record OllamaReplyMessage(
    [property: JsonPropertyName("content")] string Content,
    [property: JsonPropertyName("tool_calls"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<OllamaToolCall>? ToolCalls = null)
{
    [JsonPropertyName("role")] public string Role => "assistant";
}

/// <summary>A generated token's log-probability, its UTF-8 bytes, and (top_logprobs) the most likely tokens at its step.</summary>
internal sealed record OllamaLogprob(
    [property: JsonPropertyName("token")] string Token,
    [property: JsonPropertyName("logprob")] double Logprob,
    [property: JsonPropertyName("bytes")] int[] Bytes,
    [property: JsonPropertyName("top_logprobs"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<OllamaLogprob>? TopLogprobs)
{
    public static OllamaLogprob Of(CompletionToken token, bool top) =>
        new(token.Text, token.Logprob, [.. token.Bytes.Select(b => (int)b)], top ? [.. token.Top.Select(t => Of(t, false))] : null);

    /// <summary>The tokens' log-probabilities when the request asked for them, else null (the field is left out).</summary>
    public static IReadOnlyList<OllamaLogprob>? ListOf(IEnumerable<CompletionToken> tokens, CompletionOptions options) =>
        options.Logprobs ? [.. tokens.Select(t => Of(t, options.TopLogprobs > 0))] : null;
}

/// <summary>The answer to POST /api/embed: a unit vector per input.</summary>
internal sealed record OllamaEmbedResponse(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("embeddings")] float[][] Embeddings,
    [property: JsonPropertyName("total_duration")] long TotalDuration,
    [property: JsonPropertyName("load_duration")] long LoadDuration,
    [property: JsonPropertyName("prompt_eval_count")] int PromptEvalCount);

/// <summary>The answer to POST /api/embeddings: one vector, as the model gives it (not normalized).</summary>
internal sealed record OllamaLegacyEmbedResponse([property: JsonPropertyName("embedding")] float[] Embedding);

/// <summary>The answer to GET /api/tags (the models this server has) and GET /api/ps (those loaded): here the one model.</summary>
internal sealed record OllamaModelList([property: JsonPropertyName("models")] IReadOnlyList<OllamaModelEntry> Models);

/// <summary>
/// One model in a list: its name, file size, digest (SHA-256 of the file) and details; as loaded (GET /api/ps), also
/// when it would unload (never: far in the future), the bytes on a GPU and its context.
/// </summary>
internal sealed record OllamaModelEntry(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("modified_at")] DateTimeOffset ModifiedAt,
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("digest")] string Digest,
    [property: JsonPropertyName("details")] OllamaModelDetails Details)
{
    [JsonPropertyName("expires_at"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public DateTimeOffset? ExpiresAt { get; init; }
    [JsonPropertyName("size_vram"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public long? SizeVram { get; init; }
    [JsonPropertyName("context_length"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? ContextLength { get; init; }
}

/// <summary>A model's format (gguf), family (its architecture), parameter size ("2.4B") and weight type ("I2_S").</summary>
internal sealed record OllamaModelDetails(
    [property: JsonPropertyName("parent_model")] string ParentModel,
    [property: JsonPropertyName("format")] string Format,
    [property: JsonPropertyName("family")] string Family,
    [property: JsonPropertyName("families")] string[] Families,
    [property: JsonPropertyName("parameter_size")] string ParameterSize,
    [property: JsonPropertyName("quantization_level")] string QuantizationLevel);

/// <summary>
/// The answer to POST /api/show: a Modelfile naming the file, the default parameters, the chat template, the details,
/// the GGUF metadata (model_info) and what the model can do (capabilities).
/// </summary>
internal sealed record OllamaShowResponse(
    [property: JsonPropertyName("modelfile")] string Modelfile,
    [property: JsonPropertyName("parameters")] string Parameters,
    [property: JsonPropertyName("template")] string Template,
    [property: JsonPropertyName("details")] OllamaModelDetails Details,
    [property: JsonPropertyName("model_info")] Dictionary<string, JsonElement> ModelInfo,
    [property: JsonPropertyName("capabilities")] string[] Capabilities,
    [property: JsonPropertyName("modified_at")] DateTimeOffset ModifiedAt);

/// <summary>The answer to GET /api/version: this server's version.</summary>
internal sealed record OllamaVersion([property: JsonPropertyName("version")] string Version);

/// <summary>Ollama's error body, <c>{"error": "..."}</c>, on every /api/ path.</summary>
internal sealed record OllamaError([property: JsonPropertyName("error")] string Error);
