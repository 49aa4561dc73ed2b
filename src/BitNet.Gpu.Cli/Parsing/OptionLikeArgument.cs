using System.CommandLine;
using System.CommandLine.Parsing;

namespace BitNet.Gpu.Cli.Parsing;

/// <summary>
/// Finds a positional argument that is really a mistyped or unknown option. System.CommandLine gives a verb's argument
/// any token it does not know as an option, so "tokenize --bogus" tokenized the text "--bogus" and "info --bogus"
/// looked for a file of that name. Only tokens after "--" may start with a dash; a lone "-" is a value.
/// </summary>
public static class OptionLikeArgument
{
    /// <summary>The first such token of the verb's arguments, or null when there is none.</summary>
    public static string? Find(ParseResult parse)
    {
        int doubleDash = IndexOfDoubleDash(parse.Tokens);
        return parse.CommandResult.Children
            .OfType<ArgumentResult>()
            .SelectMany(argument => argument.Tokens)
            .FirstOrDefault(token => LooksLikeOption(token.Value) && !IsAfter(parse.Tokens, token, doubleDash))
            ?.Value;
    }

    static bool LooksLikeOption(string value) => value.Length > 1 && value[0] == '-';

    static int IndexOfDoubleDash(IReadOnlyList<Token> tokens)
    {
        for (int i = 0; i < tokens.Count; i++)
            if (tokens[i].Type == TokenType.DoubleDash) return i;
        return -1;
    }

    // By reference: Token's equality compares values, and "-x -- -x" has the same value on both sides of "--".
    static bool IsAfter(IReadOnlyList<Token> tokens, Token token, int doubleDash)
    {
        if (doubleDash < 0) return false;
        for (int i = doubleDash + 1; i < tokens.Count; i++)
            if (ReferenceEquals(tokens[i], token)) return true;
        return false;
    }
}
