using System.Text.Json.Serialization;

namespace BitNet.Gpu.Server.Wire;

/// <summary>A chat choice's (or chunk's) logprobs: one entry per generated token, in order.</summary>
internal sealed record ChatLogprobs([property: JsonPropertyName("content")] IReadOnlyList<ChatTokenLogprob> Content)
{
    [JsonPropertyName("refusal")] public object? Refusal => null;

    public static ChatLogprobs Of(IReadOnlyList<CompletionToken> tokens) => new(tokens.Select(ChatTokenLogprob.Of).ToArray());
}

/// <summary>A token, its log-probability and UTF-8 bytes (as numbers), and the step's most likely tokens.</summary>
internal sealed record ChatTokenLogprob(
    [property: JsonPropertyName("token")] string Token,
    [property: JsonPropertyName("logprob")] float Logprob,
    [property: JsonPropertyName("bytes")] int[] Bytes,
    [property: JsonPropertyName("top_logprobs")] IReadOnlyList<ChatTopLogprob> TopLogprobs)
{
    public static ChatTokenLogprob Of(CompletionToken token) =>
        new(token.Text, token.Logprob, Numbers(token.Bytes), token.Top.Select(t => new ChatTopLogprob(t.Text, t.Logprob, Numbers(t.Bytes))).ToArray());

    /// <summary>The bytes as a JSON array of numbers (a byte[] would be written as base64).</summary>
    internal static int[] Numbers(byte[] bytes) => Array.ConvertAll(bytes, b => (int)b);
}

/// <summary>One of a step's most likely tokens.</summary>
internal sealed record ChatTopLogprob(
    [property: JsonPropertyName("token")] string Token,
    [property: JsonPropertyName("logprob")] float Logprob,
    [property: JsonPropertyName("bytes")] int[] Bytes);
