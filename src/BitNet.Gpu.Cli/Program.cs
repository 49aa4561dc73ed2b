using System.CommandLine;
using BitNet.Gpu.Cli.Commands;

namespace BitNet.Gpu.Cli;

/// <summary>
/// bitnet-gpu: run, chat and benchmark 1.58-bit models. Generated text goes to stdout, diagnostics to stderr.
/// Exit codes: 0 success, 1 bad usage or option, 2 bad or missing model/input file, 3 runtime failure.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var root = new RootCommand("bitnet-gpu: a .NET inference engine for 1.58-bit (ternary) language models.\n" +
                                   "Example: bitnet-gpu run -p \"The state of the Union\" -n 64");
        foreach (var command in Verbs())
            root.Subcommands.Add(command);
        return root.Parse(args).Invoke();
    }

    static IEnumerable<Command> Verbs() =>
    [
        RunCommand.Create(),
        ChatCommand.Create(),
        BenchCommand.Create(),
        EvalCommand.Create(),
        PerplexityCommand.Create(),
        TokenizeCommand.Create(),
        InfoCommand.Create(),
        ConvertCommand.Create(),
        SynthCommand.Create(),
        DevicesCommand.Create(),
    ];
}
