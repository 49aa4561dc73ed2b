using Spectre.Console;

namespace BitNet.Gpu.Cli.Commands;

/// <summary>A progress bar on stderr for long work (loading, converting, generating models); plain lines when stderr is not a terminal.</summary>
public static class Progress
{
    static readonly IAnsiConsole ErrorConsole = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

    /// <summary>Runs <paramref name="work"/>, which reports (done, total, item).</summary>
    public static T Run<T>(string title, Func<Action<int, int, string>, T> work)
    {
        if (Console.IsErrorRedirected)
        {
            var started = DateTime.UtcNow;
            var result = work((_, _, _) => { });
            Console.Error.WriteLine($"{title}: done in {(DateTime.UtcNow - started).TotalSeconds:F1} s");
            return result;
        }
        T value = default!;
        ErrorConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask(Markup.Escape(title), maxValue: 1);
                value = work((done, total, _) =>
                {
                    task.MaxValue = Math.Max(total, 1);
                    task.Value = done;
                });
                task.Value = task.MaxValue;
            });
        return value;
    }

    public static void Run(string title, Action<Action<int, int, string>> work) =>
        Run<int>(title, report => { work(report); return 0; });
}
