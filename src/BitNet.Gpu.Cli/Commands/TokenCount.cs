namespace BitNet.Gpu.Cli.Commands;

/// <summary>"1 token", "7 tokens": counts in messages, in the right number.</summary>
static class TokenCount
{
    public static string Of(int count) => $"{count} {Word(count)}";

    public static string Word(int count) => count == 1 ? "token" : "tokens";
}
