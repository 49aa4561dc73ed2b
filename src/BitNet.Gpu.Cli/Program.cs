using System.CommandLine;
using System.CommandLine.Invocation;
using BitNet.Gpu.Cli.Commands;
using BitNet.Gpu.Cli.Parsing;
using Spectre.Console;

namespace BitNet.Gpu.Cli;

/// <summary>
/// bitnet-gpu: run, chat and benchmark 1.58-bit models. Generated text goes to stdout, diagnostics to stderr.
/// Exit codes: 0 success, 1 bad usage or option, 2 bad or missing model/input file, 3 runtime failure.
/// </summary>
public static class Program
{
    /// <summary>
    /// The width Spectre.Console lays out in when stdout is a pipe or file. It assumes 80 columns there and would wrap
    /// lines and squeeze table columns; a pipe has no width, so make it wide enough that nothing real wraps.
    /// </summary>
    const int RedirectedWidth = 4096;

    public static int Main(string[] args)
    {
        if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = RedirectedWidth;
        var root = CreateRoot();

        // No arguments: the help, as a usage error (a verb is needed).
        if (args.Length == 0)
        {
            root.Parse(["--help"]).Invoke();
            return CliErrors.Usage;
        }
        var parse = root.Parse(args);
        // The library's own error action prints every message (with .NET type names) and then the whole help.
        if (parse.Action is ParseErrorAction) return ParseErrorReport.Print(parse);
        if (OptionLikeArgument.Find(parse) is { } option) return ParseErrorReport.PrintOptionLikeArgument(parse, option);
        return parse.Invoke();
    }

    /// <summary>The root command with every verb: what Main parses (and what tests parse in process).</summary>
    internal static RootCommand CreateRoot()
    {
        var root = new RootCommand("bitnet-gpu: a .NET inference engine for 1.58-bit (ternary) language models.\n" +
                                   "Example: bitnet-gpu run -p \"The state of the Union\" -n 64");
        foreach (var command in Verbs())
            root.Subcommands.Add(command);
        return root;
    }

    static IEnumerable<Command> Verbs() =>
    [
        RunCommand.Create(),
        ChatCommand.Create(),
        BenchCommand.Create(),
        EvalCommand.Create(),
        PerplexityCommand.Create(),
        TokenizeCommand.Create(),
        EmbedCommand.Create(),
        InfoCommand.Create(),
        ConvertCommand.Create(),
        SynthCommand.Create(),
        DevicesCommand.Create(),
        CheckCommand.Create(),
        ServeCommand.Create(),
    ];
}
