using System.Globalization;
using System.Text.RegularExpressions;
using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Cli;

/// <summary>
/// Mistakes a user can make on the command line and in the files they pass: each is one line naming the option, file or
/// field (no help dump, no .NET type or exception name, no stack trace) and the documented exit code; and the outputs
/// that used to mislead (wrapped pipes, a speed that did not match its count).
/// </summary>
public class CliUsageErrorTests
{
    static readonly string Model = SyntheticModels.Tiny("bitnet-b1.58", GgmlType.I2_S); // context 128, no chat template

    static void AssertCleanError(CliRunner.Result r, int exitCode, string fragment) => CliAssert.CleanError(r, exitCode, fragment);

    static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();

    // --- parse errors -------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("run --seed abc", "--seed expects a whole number from 0 to 18446744073709551615, got 'abc'", "run")]
    [InlineData("run -n 999999999999", "-n expects an integer from -2147483648 to 2147483647, got '999999999999'", "run")]
    [InlineData("run --temp warm", "--temp expects a number, got 'warm'", "run")]
    [InlineData("run -p", "-p needs a value", "run")]
    [InlineData("run --bogus", "unknown option '--bogus' for run", "run")]
    [InlineData("devices extra", "unexpected argument 'extra' for devices", "devices")]
    [InlineData("eval --tokens 1", "--dump-logits is required", "eval")]
    [InlineData("info", "info needs MODEL", "info")]
    public void AParseErrorIsOneLineNamingTheOptionThenWhereTheHelpIs(string commandLine, string message, string verb)
    {
        var r = CliRunner.Run(commandLine.Split(' '));
        AssertCleanError(r, 1, message);
        Assert.Equal([$"bitnet-gpu: error: {message}", $"see 'bitnet-gpu {verb} --help'"], Lines(r.Stderr));
        Assert.Equal("", r.Stdout); // no help text
    }

    [Fact]
    public void AServeAliasThatCannotNameAModel_IsOneLineNamingTheOption()
    {
        var r = CliRunner.Run("serve", "-m", Model, "--backend", "cpu", "--port", "0", "--alias", " ");
        AssertCleanError(r, 1, "--alias must be 1 to 256 characters without control characters");
    }

    [Fact]
    public void AServeCertificateWithoutItsKey_IsOneLineNamingTheOptions()
    {
        var r = CliRunner.Run("serve", "-m", Model, "--backend", "cpu", "--port", "0", "--ssl-cert-file", Model);
        AssertCleanError(r, 1, "--ssl-cert-file and --ssl-key-file go together");
    }

    [Fact]
    public void AServeOriginThatIsNotOne_IsOneLineNamingTheOption()
    {
        var r = CliRunner.Run("serve", "-m", Model, "--backend", "cpu", "--port", "0", "--allowed-origins", "app.example.com");
        AssertCleanError(r, 1, "--allowed-origins holds 'app.example.com', which is not an origin");
    }

    [Theory]
    [InlineData("--json-schema", "{\"type\": \"object\", \"properties\": {\"a\": {\"type\": \"string\", \"pattern\": \"(?<=x)\"}}}", "--json-schema: JSON schema at #/properties/a: \"pattern\" uses lookbehind")]
    [InlineData("--json-schema", "{\"type\": \"array\"}", "--json-schema: JSON schema at #: the root must allow an object")]
    [InlineData("--json-schema", "{\"type\": ", "--json-schema: JSON schema: not valid JSON")]
    [InlineData("--json-schema-file", "missing-schema.json", "--json-schema-file")]
    public void ASchemaThatCannotBeHeld_IsOneLineNamingTheOption_BeforeTheModelLoads(string option, string value, string message)
    {
        var r = CliRunner.Run("run", "-m", "no-such-model.gguf", "-p", "x", option, value, "-n", "4", "--backend", "cpu");
        AssertCleanError(r, 1, message);
        Assert.DoesNotContain("no-such-model", r.Stderr); // refused before the model was looked for
    }

    [Fact]
    public void AValueGivenWrongIsReportedBeforeARequiredOptionNotYetGiven()
    {
        var r = CliRunner.Run("synth", "--seed", "x");
        AssertCleanError(r, 1, "--seed expects a whole number");
    }

    [Fact]
    public void AnUnknownCommandListsTheCommands()
    {
        var r = CliRunner.Run("frob");
        AssertCleanError(r, 1, "unknown command 'frob'; the commands are run, chat, bench, eval, perplexity, tokenize, embed, info, convert, synth, devices");
        Assert.Equal("see 'bitnet-gpu --help'", Lines(r.Stderr)[^1]);
        Assert.Equal(2, Lines(r.Stderr).Length);
    }

    [Fact]
    public void HelpStillWorks_AndNoArgumentsPrintTheHelp()
    {
        var help = CliRunner.Run("run", "--help");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("--seed", help.Stdout);

        var bare = CliRunner.Run();
        Assert.Equal(1, bare.ExitCode); // a command is needed
        Assert.Contains("Usage:", bare.Stdout);
        Assert.Contains("perplexity", bare.Stdout);
        Assert.Empty(CliAssert.ErrorLines(bare));
    }

    // --- piped output ---------------------------------------------------------------------------------------------

    [Fact]
    public void PipedOutputIsNotWrappedAtEightyColumns()
    {
        using var dir = new TempDirectory();
        string path = dir.File(new string('m', 90) + ".gguf"); // the heading line alone is past 80 columns
        File.Copy(Model, path);
        var r = CliRunner.Run("info", path);
        Assert.True(r.ExitCode == 0, r.Stderr);
        string heading = Lines(r.Stdout)[0];
        Assert.StartsWith(path, heading);
        Assert.Contains("metadata keys", heading);

        var bench = CliRunner.Run("bench", "-m", Model, "-p", "0", "-n", "2", "--repeat", "1", "--backend", "cpu", "--profile");
        Assert.True(bench.ExitCode == 0, bench.Stderr);
        Assert.Contains("calls/token", bench.Stdout); // a column header, not squeezed to "calls/t…"
    }

    // --- run ------------------------------------------------------------------------------------------------------

    [Fact]
    public void RunsSpeedDividesTheTokensItNames()
    {
        var r = CliRunner.Run("run", "-m", Model, "-p", "the tea", "-n", "8", "--temp", "0", "--backend", "cpu");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var line = Regex.Match(r.Stderr, @"generation:\s+(\d+) tokens; the (\d+) after the first in ([\d.]+) ms = ([\d.]+) tok/s");
        Assert.True(line.Success, r.Stderr);
        int generated = int.Parse(line.Groups[1].Value, CultureInfo.InvariantCulture);
        int timed = int.Parse(line.Groups[2].Value, CultureInfo.InvariantCulture);
        double ms = double.Parse(line.Groups[3].Value, CultureInfo.InvariantCulture);
        double rate = double.Parse(line.Groups[4].Value, CultureInfo.InvariantCulture);
        Assert.Equal(generated - 1, timed);
        Assert.Equal(timed / (ms / 1000), rate, rate * 0.01 + 0.1); // the printed figures agree (up to their rounding)
    }

    [Fact]
    public void RunWithOneGeneratedTokenPrintsNoSpeed()
    {
        // "a" is BOS and one token: the context of 2 is full after the first generated token, which needs no model run.
        var r = CliRunner.Run("run", "-m", Model, "-p", "a", "--ctx", "2", "-n", "4", "--temp", "0", "--backend", "cpu");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Matches(@"generation:\s+1 token; no speed", r.Stderr);
        Assert.DoesNotMatch(@"(?<![\d.])0\.0 tok/s", r.Stderr); // a zero speed, not the prompt's "10.0 tok/s"
    }

    [Fact]
    public void RunRejectsAPromptAndAPromptFileTogether()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("prompt.txt"), "the tea");
        AssertCleanError(CliRunner.Run("run", "-m", Model, "-p", "x", "-f", dir.File("prompt.txt"), "-n", "1"), 1, "give -p PROMPT or -f FILE, not both");
    }

    [Fact]
    public void RunRejectsAnEmptyStopString()
    {
        var r = CliRunner.Run("run", "-m", Model, "-p", "x", "--stop", "", "-n", "4", "--backend", "cpu");
        AssertCleanError(r, 1, "--stop must not be empty");
    }

    [Fact]
    public void ALogitBiasOutsideTheVocabularyIsRefusedBeforeAnyOutput()
    {
        var run = CliRunner.Run("run", "-m", Model, "-p", "the tea", "--logit-bias", "99999999+1", "-n", "2", "--backend", "cpu");
        AssertCleanError(run, 1, "--logit-bias token id 99999999 is outside the vocabulary");
        Assert.Equal("", run.Stdout);

        var chat = CliRunner.RunWithInput("hi\n", "chat", "-m", Model, "--chat-template-name", "llama3", "--logit-bias", "512+1", "--backend", "cpu");
        AssertCleanError(chat, 1, "--logit-bias token id 512");
        Assert.Equal("", chat.Stdout);
    }

    // --- text files -----------------------------------------------------------------------------------------------

    [Fact]
    public void InvalidUtf8IsTheSameBadInputFileErrorForRunPerplexityAndTokenize()
    {
        using var dir = new TempDirectory();
        string bad = dir.File("bad.txt");
        File.WriteAllBytes(bad, [0x61, 0xC3, 0x28, 0x62]); // 0xC3 starts a two-byte sequence that 0x28 does not continue
        string expected = $"{bad}: not valid UTF-8 (at byte 1)";
        AssertCleanError(CliRunner.Run("run", "-m", Model, "-f", bad, "-n", "1", "--backend", "cpu"), 2, expected);
        AssertCleanError(CliRunner.Run("perplexity", "-m", Model, "-f", bad, "--backend", "cpu"), 2, expected);
        AssertCleanError(CliRunner.Run("tokenize", "-m", Model, "--file", bad), 2, expected);
    }

    [Fact]
    public void AMissingTextFileNamesIt()
    {
        AssertCleanError(CliRunner.Run("run", "-m", Model, "-f", "/no/such/prompt.txt"), 2, "/no/such/prompt.txt: no such file");
    }

    // --- perplexity -----------------------------------------------------------------------------------------------

    [Fact]
    public void PerplexityOfATextShorterThanAChunkNamesCtxAndTheCount()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("short.txt"), "the tea");
        var shortText = CliRunner.Run("perplexity", "-m", Model, "-f", dir.File("short.txt"), "--ctx", "64", "--backend", "cpu");
        AssertCleanError(shortText, 1, "--ctx 64");
        Assert.Matches(@"the text has \d+ tokens; perplexity needs at least 63", shortText.Stderr);

        File.WriteAllText(dir.File("empty.txt"), "");
        var empty = CliRunner.Run("perplexity", "-m", Model, "-f", dir.File("empty.txt"), "--ctx", "64", "--backend", "cpu");
        AssertCleanError(empty, 1, "the text has no tokens");
    }

    [Theory]
    [InlineData("1")]
    [InlineData("2")]
    public void PerplexityRefusesAContextThatScoresNoToken(string context)
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("text.txt"), string.Concat(Enumerable.Repeat("the tea is hot. ", 20)));
        var r = CliRunner.Run("perplexity", "-m", Model, "-f", dir.File("text.txt"), "--ctx", context, "--chunks", "3", "--backend", "cpu");
        AssertCleanError(r, 1, $"--ctx {context} scores no tokens");
        Assert.Contains("at least 3", r.Stderr);
        Assert.DoesNotContain("NaN", r.Stderr + r.Stdout);
    }

    [Fact]
    public void PerplexityWithTheSmallestContextScoresOneTokenPerChunk()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("text.txt"), string.Concat(Enumerable.Repeat("the tea is hot. ", 20)));
        var r = CliRunner.Run("perplexity", "-m", Model, "-f", dir.File("text.txt"), "--ctx", "3", "--chunks", "2", "--backend", "cpu");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Matches(@"perplexity: \d+\.\d+ over 2 tokens in 2 chunks of 3", r.Stdout);
    }

    [Fact]
    public void PerplexityRefusesANegativeChunkCount()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("text.txt"), string.Concat(Enumerable.Repeat("the tea is hot. ", 20)));
        var r = CliRunner.Run("perplexity", "-m", Model, "-f", dir.File("text.txt"), "--ctx", "16", "--chunks", "-1", "--backend", "cpu");
        AssertCleanError(r, 1, "--chunks must be 0 (all) or more, got -1");
    }

    // --- chat -----------------------------------------------------------------------------------------------------

    [Fact]
    public void AnUnknownTemplateNameIsAUsageErrorBeforeTheModelLoads()
    {
        var r = CliRunner.RunWithInput("hi\n", "chat", "-m", Model, "--chat-template-name", "bogus", "--backend", "cpu");
        AssertCleanError(r, 1, "--chat-template-name 'bogus' is not known (choose from llama3, bitnet, bitnet-hf, falcon3)");
        Assert.DoesNotContain("loading", r.Stderr);
    }

    [Fact]
    public void ABadTemplateFileIsABadInputFileBeforeTheModelLoads()
    {
        using var dir = new TempDirectory();
        string template = dir.File("bad.jinja");
        File.WriteAllText(template, "{% if messages %}never closed");
        var r = CliRunner.RunWithInput("hi\n", "chat", "-m", Model, "--chat-template", template, "--backend", "cpu");
        AssertCleanError(r, 2, $"--chat-template {template}: not a supported chat template");
        Assert.DoesNotContain("loading", r.Stderr);
    }

    [Fact]
    public void AModelWithoutATemplateIsABadInputFileBeforeItLoads()
    {
        var r = CliRunner.RunWithInput("hi\n", "chat", "-m", Model, "--backend", "cpu");
        AssertCleanError(r, 2, "has no chat template");
        Assert.Contains("--chat-template-name", r.Stderr);
        Assert.DoesNotContain("loading", r.Stderr);
    }

    [Fact]
    public void ASystemMessageLongerThanTheContextIsRefusedAtTheStart()
    {
        string system = string.Concat(Enumerable.Repeat("the tea is hot. ", 40));
        var r = CliRunner.RunWithInput("hi\n/reset\nhello\n", "chat", "-m", Model, "--chat-template-name", "llama3", "--system", system,
                                       "--ctx", "64", "-n", "4", "--backend", "cpu");
        AssertCleanError(r, 1, "--system");
        Assert.Contains("--ctx", r.Stderr);
        Assert.DoesNotContain("no longer fits", r.Stdout);
    }

    [Fact]
    public void AWhitespaceOnlyLineIsNotATurn()
    {
        var r = CliRunner.RunWithInput("   \n\t\n/exit\n", "chat", "-m", Model, "--chat-template-name", "llama3", "-n", "4", "--temp", "0", "--backend", "cpu");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.DoesNotMatch(@"\(\d+ tokens?, ", r.Stderr); // no answer was generated
    }
}
