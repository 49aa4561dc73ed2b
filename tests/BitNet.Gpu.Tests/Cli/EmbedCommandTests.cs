using System.Text.Json;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Cli;

/// <summary>bitnet-gpu embed: the library's vectors as JSON, a table with the cosine similarities, and bad options refused by name.</summary>
public class EmbedCommandTests
{
    static readonly string[] Texts = ["The state of the Union is strong.", "We the people", "Quarterly revenue grew."];

    [Fact]
    public async Task Json_HoldsTheLibrarysVectors_InOrder_WithUsage()
    {
        var r = CliRunner.Run(["embed", "-m", BundledModel.Path, "--backend", "cpu", "--json", .. Texts]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var json = JsonDocument.Parse(r.Stdout).RootElement;
        using var model = BitNetModel.Load(BundledModel.Path, new BitNetModelOptions { Backend = "cpu" });
        var data = json.GetProperty("data");
        Assert.Equal(Texts.Length, data.GetArrayLength());
        for (int i = 0; i < Texts.Length; i++)
        {
            Assert.Equal(i, data[i].GetProperty("index").GetInt32());
            var vector = data[i].GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()).ToArray();
            Assert.Equal(await model.EmbedAsync(Texts[i]), vector);
        }
        Assert.Equal(Texts.Sum(t => model.TokenizePrompt(t).Length), json.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal("bitnet-sotu-6m-i2_s", json.GetProperty("model").GetString());
    }

    [Fact]
    public void Table_ShowsEachTextAndTheCosineSimilarities()
    {
        using var dir = new TempDirectory();
        string file = dir.File("texts.txt");
        File.WriteAllText(file, string.Join("\r\n", Texts) + "\n\n");
        var r = CliRunner.Run("embed", "-m", BundledModel.Path, "--backend", "cpu", "--pooling", "last", "-f", file);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("cosine", r.Stdout);
        Assert.Contains("We the people", r.Stdout);
        Assert.Contains("1.000", r.Stdout); // each text with itself
        Assert.Contains("values each", r.Stdout);
    }

    [Theory]
    [InlineData("--pooling", "max", "--pooling 'max' is not known")]
    [InlineData("-f", "missing-file.txt", "missing-file.txt")]
    public void BadOptions_AreRefusedByName(string option, string value, string message)
    {
        var r = CliRunner.Run("embed", "-m", BundledModel.Path, "--backend", "cpu", option, value);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains(message, r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
    }

    [Fact]
    public void NoText_IsAUsageError()
    {
        var r = CliRunner.Run("embed", "-m", BundledModel.Path, "--backend", "cpu");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("embed needs TEXT", r.Stderr);
    }
}
