using BitNet.Gpu.Engine.Evaluation;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Cli;

/// <summary>What the README's commands table promises about an option, held to the code that enforces it.</summary>
public class CliReadmeTests
{
    /// <summary>The README next to models/ (found the way the bundled model is).</summary>
    static string Readme => File.ReadAllText(Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(BundledModel.Path))!, "README.md"));

    static string CommandRow(string verb) =>
        Readme.Split('\n').Single(line => line.StartsWith($"| `{verb} ", StringComparison.Ordinal));

    [Fact]
    public void ThePerplexityRowGivesTheSmallestContextThatScoresAToken()
    {
        // perplexity scores the second half of each chunk: a shorter --ctx scores nothing and is refused.
        Assert.Contains($"`--ctx` at least {Perplexity.MinimumContext}", CommandRow("perplexity"));
    }
}
