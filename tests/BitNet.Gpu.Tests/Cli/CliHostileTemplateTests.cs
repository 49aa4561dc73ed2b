using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Cli;

/// <summary>
/// chat refuses a hostile chat template (from the model file or --chat-template) when it starts, with one error line
/// naming the file and the limit and exit 2, instead of overflowing the stack.
/// </summary>
public class CliHostileTemplateTests
{
    static readonly string DeepTemplate = "{{ " + new string('(', 20_000) + "1" + new string(')', 20_000) + " }}";

    [Fact]
    public void AModelWhoseTemplateNestsTwentyThousandDeep_IsRefusedAtStart()
    {
        using var dir = new TempDirectory();
        string hostile = dir.File("hostile.gguf");
        GgufCopy.WithString(BundledModel.Path, hostile, "tokenizer.chat_template", DeepTemplate);

        var r = CliRunner.RunWithInput("hi\n/exit\n", "chat", "-m", hostile, "--backend", "cpu");
        CliAssert.CleanError(r, 2, $"{hostile}: the chat template is not supported: statements and expressions nest deeper than the limit of 100 levels");
        Assert.Equal("", r.Stdout);
    }

    [Fact]
    public void ATemplateFileThatDoublesAString_IsRefusedAtStart()
    {
        using var dir = new TempDirectory();
        string file = dir.File("doubling.jinja");
        File.WriteAllText(file, "{% set s = 'ab' %}" + string.Concat(Enumerable.Repeat("{% set s = s + s %}", 40)) + "{{ s }}");

        var r = CliRunner.RunWithInput("hi\n/exit\n", "chat", "-m", BundledModel.Path, "--chat-template", file, "--backend", "cpu");
        CliAssert.CleanError(r, 2, $"--chat-template {file}: not a supported chat template: a string or list of 4,194,304 characters or items is longer than the limit of 2,097,152");
    }

    [Fact]
    public void ATemplateFileNestedTwentyThousandDeep_IsRefusedAtStart()
    {
        using var dir = new TempDirectory();
        string file = dir.File("deep.jinja");
        File.WriteAllText(file, string.Concat(Enumerable.Repeat("{% if true %}", 20_000)) + "x" + string.Concat(Enumerable.Repeat("{% endif %}", 20_000)));

        var r = CliRunner.RunWithInput("hi\n/exit\n", "chat", "-m", BundledModel.Path, "--chat-template", file, "--backend", "cpu");
        CliAssert.CleanError(r, 2, $"--chat-template {file}: not a supported chat template: statements and expressions nest deeper than the limit of 100 levels");
    }
}
