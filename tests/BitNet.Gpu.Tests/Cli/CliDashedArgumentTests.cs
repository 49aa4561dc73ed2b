using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Cli;

/// <summary>
/// A verb with a positional argument (tokenize's TEXT, info's MODEL, convert's HF_DIR) took an unknown option as that
/// argument: "tokenize --bogus" tokenized the text "--bogus". Now a token that looks like an option is a usage error
/// naming it, and text that starts with a dash is still given after "--".
/// </summary>
public class CliDashedArgumentTests
{
    static readonly string Model = SyntheticModels.Tiny("bitnet-b1.58", GgmlType.I2_S);

    static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();

    [Theory]
    [InlineData("--bogus")]
    [InlineData("-x")]
    [InlineData("-5")]
    public void AnUnknownOptionIsNotTokenizedAsText(string option)
    {
        var r = CliRunner.Run("tokenize", "-m", Model, option);
        string message = $"unknown option '{option}' for tokenize (put -- before an argument that starts with a dash)";
        CliAssert.CleanError(r, 1, message);
        Assert.Equal([$"bitnet-gpu: error: {message}", "see 'bitnet-gpu tokenize --help'"], Lines(r.Stderr));
        Assert.Equal("", r.Stdout);
    }

    [Theory]
    [InlineData("--text")]
    [InlineData("-x")]
    [InlineData("-")]
    [InlineData("--")]
    public void TextThatStartsWithADashIsGivenAfterDoubleDash(string text)
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("text.txt"), text);
        var fromFile = CliRunner.Run("tokenize", "-m", Model, "--file", dir.File("text.txt"));
        Assert.True(fromFile.ExitCode == 0, fromFile.Stderr);

        var afterDoubleDash = CliRunner.Run("tokenize", "-m", Model, "--", text);
        Assert.True(afterDoubleDash.ExitCode == 0, afterDoubleDash.Stderr);
        Assert.Equal(fromFile.Stdout, afterDoubleDash.Stdout);
    }

    [Fact]
    public void ALoneDashIsText()
    {
        var r = CliRunner.Run("tokenize", "-m", Model, "-");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(CliRunner.Run("tokenize", "-m", Model, "--", "-").Stdout, r.Stdout);
    }

    [Fact]
    public void AnUnknownOptionIsNotTakenForAPath()
    {
        // Each used to be a missing file or folder (exit 2): "model file not found: --bogus".
        using var dir = new TempDirectory();
        var info = CliRunner.Run("info", "--bogus");
        CliAssert.CleanError(info, 1, "unknown option '--bogus' for info");
        var convert = CliRunner.Run("convert", "--bogus", "-o", dir.File("out.gguf"), "--type", "i2_s");
        CliAssert.CleanError(convert, 1, "unknown option '--bogus' for convert");
        Assert.False(File.Exists(dir.File("out.gguf")));
    }
}
