using System.Text.Json;
using BitNet.Gpu.Engine.Generation;
using BitNet.Gpu.Engine.Sampling;

namespace BitNet.Gpu;

/// <summary>
/// How one completion samples and when it stops. The defaults are llama-server's: temperature 0.8, top-k 40, top-p 0.95,
/// min-p 0.05, no repetition penalties, a random seed, and no token limit (generation ends at the end of text, a stop
/// string or the end of the context). Set <see cref="Temperature"/> to 0 for greedy (deterministic) output.
/// <code>var result = await model.CompleteAsync("The state of the Union", new CompletionOptions { Temperature = 0, MaxTokens = 32 });</code>
/// </summary>
public sealed record CompletionOptions
{
    /// <summary>Divides the logits before the softmax; 0 = greedy (always the most likely token). Default 0.8.</summary>
    public float Temperature { get; init; } = 0.8f;

    /// <summary>Keep only the K most likely tokens; 0 disables. Default 40.</summary>
    public int TopK { get; init; } = 40;

    /// <summary>Keep the smallest set of most likely tokens whose probability reaches P; 1 disables. Default 0.95.</summary>
    public float TopP { get; init; } = 0.95f;

    /// <summary>Drop tokens less likely than MinP × the most likely token's probability; 0 disables. Default 0.05.</summary>
    public float MinP { get; init; } = 0.05f;

    /// <summary>Divides positive (multiplies negative) logits of the last 64 tokens; 1 disables. Default 1.</summary>
    public float RepeatPenalty { get; init; } = 1f;

    /// <summary>Subtracted from a recent token's logit once per occurrence; 0 disables. Default 0.</summary>
    public float FrequencyPenalty { get; init; }

    /// <summary>Subtracted once from the logit of any recent token; 0 disables. Default 0.</summary>
    public float PresencePenalty { get; init; }

    /// <summary>The most tokens to generate; null = until the end of text, a stop string or the end of the context.</summary>
    public int? MaxTokens { get; init; }

    /// <summary>Strings that end the completion; the text stops just before the first one found (it is not returned).</summary>
    public IReadOnlyList<string> Stop { get; init; } = [];

    /// <summary>Seed of the random draw; the same seed, prompt and options give the same text. Null = a random seed.</summary>
    public ulong? Seed { get; init; }

    /// <summary>Token id → bias added to its logit; negative infinity bans the token.</summary>
    public IReadOnlyDictionary<int, float>? LogitBias { get; init; }

    /// <summary>Report each generated token's log-probability (<see cref="CompletionStream.ReadPiecesAsync"/>). Every logit
    /// is then computed, so generation skips the top-k screen's saving. Default false.</summary>
    public bool Logprobs { get; init; }

    /// <summary>With <see cref="Logprobs"/> or <see cref="PromptLogprobs"/>, also this many of each step's (or prompt
    /// position's) most likely tokens (0 to 20). Default 0.</summary>
    public int TopLogprobs { get; init; }

    /// <summary>
    /// Report every prompt token's log-probability given the tokens before it (the first piece's
    /// <see cref="CompletionPiece.PromptTokens"/>), as scoring a text needs (lm-evaluation-harness's loglikelihood, with
    /// <see cref="MaxTokens"/> 0). The whole prompt is then run with every position's logits, nothing reused from the
    /// cache. Default false.
    /// </summary>
    public bool PromptLogprobs { get; init; }

    /// <summary>
    /// JSON mode: the text is held to one JSON object (tokens that would break it are never drawn) and the completion
    /// ends, with finish reason "stop", as soon as the object closes. A token limit can still cut it short. Default false.
    /// </summary>
    public bool JsonObject { get; init; }

    /// <summary>
    /// Structured output: as <see cref="JsonObject"/>, and the object must also satisfy this JSON Schema (see
    /// <see cref="CompiledJsonSchema"/> for the keywords held; others are refused by <see cref="Validate"/>). Default null.
    /// </summary>
    /// <example><c>new CompletionOptions { JsonSchema = JsonDocument.Parse(schemaText).RootElement }</c></example>
    public JsonElement? JsonSchema { get; init; }

    /// <summary>
    /// A GBNF grammar (llama.cpp's notation; see <see cref="CompiledGrammar"/>) the text is held to: tokens that would take
    /// it off the grammar are never drawn, the completion ends only where the grammar's <c>root</c> can end (finish
    /// reason "stop" once nothing more can follow). Not with <see cref="JsonObject"/> or <see cref="JsonSchema"/>. Default null.
    /// </summary>
    /// <example><c>new CompletionOptions { Grammar = "root ::= (\"yes\" | \"no\") \".\"" }</c></example>
    public string? Grammar { get; init; }

    /// <summary>
    /// Throws an <see cref="ArgumentException"/> naming the first option whose value makes no sense;
    /// <paramref name="vocabularySize"/> bounds the token ids of <see cref="LogitBias"/>.
    /// </summary>
    public void Validate(int vocabularySize)
    {
        Require(float.IsFinite(Temperature) && Temperature >= 0, nameof(Temperature), $"Temperature must be a finite number >= 0 (0 = greedy), got {Temperature}");
        Require(TopK >= 0, nameof(TopK), $"TopK must be 0 (disabled) or positive, got {TopK}");
        Require(TopP > 0 && TopP <= 1, nameof(TopP), $"TopP must be in (0, 1], got {TopP}");
        Require(MinP >= 0 && MinP <= 1, nameof(MinP), $"MinP must be in [0, 1], got {MinP}");
        Require(float.IsFinite(RepeatPenalty) && RepeatPenalty > 0, nameof(RepeatPenalty), $"RepeatPenalty must be a finite number > 0 (1 = off), got {RepeatPenalty}");
        Require(float.IsFinite(FrequencyPenalty), nameof(FrequencyPenalty), $"FrequencyPenalty must be a finite number, got {FrequencyPenalty}");
        Require(float.IsFinite(PresencePenalty), nameof(PresencePenalty), $"PresencePenalty must be a finite number, got {PresencePenalty}");
        Require(MaxTokens is null or > 0 || MaxTokens == 0 && PromptLogprobs, nameof(MaxTokens),
                $"MaxTokens must be positive (or 0 with PromptLogprobs, to score the prompt alone), got {MaxTokens}");
        Require(Stop is not null && Stop.All(s => !string.IsNullOrEmpty(s)), nameof(Stop), "Stop must not hold null or empty strings");
        Require(TopLogprobs >= 0 && TopLogprobs <= TokenLogprob.MaxTop, nameof(TopLogprobs), $"TopLogprobs must be 0 to {TokenLogprob.MaxTop}, got {TopLogprobs}");
        Require(TopLogprobs == 0 || Logprobs || PromptLogprobs, nameof(TopLogprobs), "TopLogprobs needs Logprobs or PromptLogprobs to be true");
        CompileSchema();
        Require(Grammar is null || !JsonObject && JsonSchema is null, nameof(Grammar), "Grammar cannot be combined with JSON mode (JsonObject or JsonSchema): the text is held to one of them");
        CompileGrammar();
        foreach (var (token, bias) in LogitBias ?? new Dictionary<int, float>())
        {
            Require(token >= 0 && token < vocabularySize, nameof(LogitBias), $"LogitBias token id {token} is outside the vocabulary (0..{vocabularySize - 1})");
            Require(!float.IsNaN(bias) && !float.IsPositiveInfinity(bias), nameof(LogitBias), $"LogitBias for token {token} must be finite or -infinity (ban), got {bias}");
        }
    }

    /// <summary>The compiled <see cref="JsonSchema"/>; an <see cref="ArgumentException"/> naming it where it cannot be held.</summary>
    CompiledJsonSchema? CompileSchema()
    {
        if (JsonSchema is not { } schema) return null;
        try
        {
            return CompiledJsonSchema.Compile(schema);
        }
        catch (Exception e) when (e is NotSupportedException or ArgumentException)
        {
            throw new ArgumentException(e.Message, nameof(JsonSchema), e);
        }
    }

    /// <summary>The compiled <see cref="Grammar"/>; an <see cref="ArgumentException"/> naming it where it cannot be read.</summary>
    CompiledGrammar? CompileGrammar()
    {
        if (Grammar is null) return null;
        try
        {
            return CompiledGrammar.Parse(Grammar);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException(e.Message, nameof(Grammar), e);
        }
    }

    /// <summary>The engine's request for these options (after <see cref="Validate"/>); no limit means the whole context.</summary>
    internal GenerationRequest ToRequest(int contextLength) => new()
    {
        MaxTokens = MaxTokens ?? contextLength,
        StopStrings = [.. Stop],
        Logprobs = Logprobs ? TopLogprobs : null,
        PromptLogprobs = PromptLogprobs ? TopLogprobs : null,
        JsonObject = JsonObject,
        JsonSchema = CompileSchema(),
        Grammar = CompileGrammar(),
        Sampling = new SamplerOptions
        {
            Temperature = Temperature,
            TopK = TopK,
            TopP = TopP,
            MinP = MinP,
            RepeatPenalty = RepeatPenalty,
            FrequencyPenalty = FrequencyPenalty,
            PresencePenalty = PresencePenalty,
            Seed = Seed,
            LogitBias = LogitBias is null ? new Dictionary<int, float>() : new Dictionary<int, float>(LogitBias),
        },
    };

    static void Require(bool condition, string option, string message)
    {
        if (!condition) throw new ArgumentException(message, option);
    }
}
