using System.CommandLine;
using System.CommandLine.Parsing;
using BitNet.Gpu.Cli.Commands;

namespace BitNet.Gpu.Cli.Parsing;

/// <summary>
/// Reports a command line System.CommandLine could not parse as one line naming the option and what it expects, then
/// where to find the help: instead of the library's message (which names .NET types) followed by the whole help text.
/// </summary>
public static class ParseErrorReport
{
    /// <summary>Prints the first error of <paramref name="parse"/> to stderr and returns the usage exit code.</summary>
    public static int Print(ParseResult parse)
    {
        bool atRoot = parse.CommandResult.Command == parse.RootCommandResult.Command;
        return Report(parse, atRoot ? UnknownVerb(parse) : Describe(FirstError(parse), parse));
    }

    /// <summary>Reports <paramref name="token"/>, which the library gave to a verb's argument, as the unknown option it looks like.</summary>
    public static int PrintOptionLikeArgument(ParseResult parse, string token) =>
        Report(parse, $"{Unmatched(token, parse.CommandResult.Command.Name)} (put -- before an argument that starts with a dash)");

    static int Report(ParseResult parse, string message)
    {
        var command = parse.CommandResult.Command;
        bool atRoot = command == parse.RootCommandResult.Command;
        CliErrors.Fail(CliErrors.Usage, message);
        Console.Error.WriteLine(atRoot ? "see 'bitnet-gpu --help'" : $"see 'bitnet-gpu {command.Name} --help'");
        return CliErrors.Usage;
    }

    // At the root the only errors are a missing or unknown verb (or an option before one): list the verbs.
    static string UnknownVerb(ParseResult parse)
    {
        string verbs = string.Join(", ", parse.RootCommandResult.Command.Subcommands.Select(c => c.Name));
        return parse.UnmatchedTokens.FirstOrDefault() is { } token
            ? $"unknown {(token.StartsWith('-') ? "option" : "command")} '{token}'; the commands are {verbs}"
            : $"a command is needed; the commands are {verbs}";
    }

    // A value the user wrote and got wrong says more than an option they have not reached yet.
    static ParseError FirstError(ParseResult parse) =>
        parse.Errors.FirstOrDefault(e => e.SymbolResult is not OptionResult { Implicit: true }) ?? parse.Errors[0];

    static string Describe(ParseError error, ParseResult parse) => error.SymbolResult switch
    {
        OptionResult option => DescribeOption(option),
        ArgumentResult { Parent: OptionResult option } => DescribeOption(option),
        ArgumentResult argument => DescribeArgument(argument, parse.CommandResult.Command.Name),
        _ when parse.UnmatchedTokens.FirstOrDefault() is { } token => Unmatched(token, parse.CommandResult.Command.Name),
        _ => error.Message,
    };

    static string DescribeOption(OptionResult result)
    {
        var option = result.Option;
        string name = result.IdentifierToken?.Value ?? option.Name;
        string? kind = ValueKind.Describe(option.ValueType);
        var tokens = result.Tokens;
        if (result.Implicit && option.Required) return $"{name} is required";
        if (tokens.Count == 0) return kind is null ? $"{name} needs a value" : $"{name} needs a value: {kind}";
        if (tokens.Count > option.Arity.MaximumNumberOfValues)
            return $"{name} takes one value, got {tokens.Count} ({string.Join(", ", tokens.Select(t => $"'{t.Value}'"))})";
        return $"{name} expects {kind ?? "a value"}, got '{tokens[0].Value}'{PlainNumber.Hint(option.ValueType, tokens[0].Value)}";
    }

    static string DescribeArgument(ArgumentResult result, string verb)
    {
        var argument = result.Argument;
        if (result.Tokens.Count == 0) return $"{verb} needs {argument.Name}";
        if (result.Tokens.Count > argument.Arity.MaximumNumberOfValues) return Unmatched(result.Tokens[^1].Value, verb);
        return $"{argument.Name} expects {ValueKind.Describe(argument.ValueType) ?? "a value"}, got '{result.Tokens[0].Value}'";
    }

    static string Unmatched(string token, string verb) => token.StartsWith('-') && token.Length > 1
        ? $"unknown option '{token}' for {verb}"
        : $"unexpected argument '{token}' for {verb}";
}
