using BitNet.Gpu.Model.Convert;
using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Model.Gguf;
using BitNet.Gpu.Model.SafeTensors;
using BitNet.Gpu.Tests.Model.Convert;
using BitNet.Gpu.Tests.Support;
using BitNet.Gpu.Tokenizers;

namespace BitNet.Gpu.Tests.Cli;

/// <summary>
/// Every file the program opens works through symbolic links (the Hugging Face cache stores each downloaded file as a
/// relative link into its blobs folder): models, checkpoint shards and configs, tokenizer files, chat templates, texts.
/// </summary>
public class SymbolicLinkTests
{
    static readonly string Model = SyntheticModels.Tiny("bitnet-b1.58", GgmlType.I2_S);

    [Theory]
    [MemberData(nameof(SymbolicLinks.Kinds), MemberType = typeof(SymbolicLinks))]
    public void AGgufModelLoadsThroughALink(LinkKind kind)
    {
        using var dir = new TempDirectory();
        string link = SymbolicLinks.Create(Model, dir.File("snapshot"), "model.gguf", kind);

        using var direct = GgufFile.Open(Model);
        using var linked = GgufFile.Open(link);
        Assert.Equal(direct.FileLength, linked.FileLength);
        Assert.Equal(direct.Tensors.Count, linked.Tensors.Count);
        var last = direct.Tensors[^1];
        Assert.True(direct.GetTensorBytes(last).SequenceEqual(linked.GetTensorBytes(linked.GetTensor(last.Name))));
    }

    [Theory]
    [MemberData(nameof(SymbolicLinks.Kinds), MemberType = typeof(SymbolicLinks))]
    public void RunGeneratesFromAModelAndAPromptFileReachedThroughLinks(LinkKind kind)
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("prompt.txt"), "the tea");
        string model = SymbolicLinks.Create(Model, dir.File("snapshot"), "model.gguf", kind);
        string prompt = SymbolicLinks.Create(dir.File("prompt.txt"), dir.File("texts"), "prompt.txt", kind);

        var direct = CliRunner.Run("run", "-m", Model, "-f", dir.File("prompt.txt"), "-n", "4", "--temp", "0", "--backend", "cpu");
        var linked = CliRunner.Run("run", "-m", model, "-f", prompt, "-n", "4", "--temp", "0", "--backend", "cpu");
        Assert.True(linked.ExitCode == 0, linked.Stderr);
        Assert.Equal(direct.Stdout, linked.Stdout);
    }

    [Fact]
    public void PerplexityAndInfoReadLinkedFiles()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("text.txt"), string.Concat(Enumerable.Repeat("the state of the union is strong and the people are free. ", 30)));
        string model = SymbolicLinks.Create(Model, dir.File("snapshot"), "model.gguf", LinkKind.Relative);
        string text = SymbolicLinks.Create(dir.File("text.txt"), dir.File("texts"), "text.txt", LinkKind.Chain);

        var ppl = CliRunner.Run("perplexity", "-m", model, "-f", text, "--ctx", "64", "--backend", "cpu");
        Assert.True(ppl.ExitCode == 0, ppl.Stderr);
        Assert.Matches(@"perplexity: \d+\.\d+", ppl.Stdout);
        var info = CliRunner.Run("info", model);
        Assert.True(info.ExitCode == 0, info.Stderr);
        Assert.Contains("I2_S", info.Stdout);
    }

    [Theory]
    [MemberData(nameof(SymbolicLinks.Kinds), MemberType = typeof(SymbolicLinks))]
    public void ChatReadsATemplateFileThroughALink(LinkKind kind)
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("template.jinja"),
            "{% for message in messages %}{{ message['role'] }}: {{ message['content'] }}\n{% endfor %}{% if add_generation_prompt %}assistant:{% endif %}");
        string template = SymbolicLinks.Create(dir.File("template.jinja"), dir.File("templates"), "chat.jinja", kind);

        var r = CliRunner.RunWithInput("hello\n/exit\n", "chat", "-m", Model, "--chat-template", template, "-n", "3", "--temp", "0", "--backend", "cpu");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Matches(@"\(\d+ tokens, ", r.Stderr);
    }

    [Theory]
    [MemberData(nameof(SymbolicLinks.Kinds), MemberType = typeof(SymbolicLinks))]
    public void TokenizerFilesReadThroughLinks(LinkKind kind)
    {
        using var dir = new TempDirectory();
        TinyTokenizer.Write(dir.Path, TinyTokenizer.ByteLevel(), TinyTokenizer.Config());
        string json = SymbolicLinks.Create(dir.File("tokenizer.json"), dir.File("snapshot"), "tokenizer.json", kind);
        string config = SymbolicLinks.Create(dir.File("tokenizer_config.json"), dir.File("snapshot"), "tokenizer_config.json", kind);

        var direct = HuggingFaceVocabularyReader.Read(dir.File("tokenizer.json"), dir.File("tokenizer_config.json"));
        var linked = HuggingFaceVocabularyReader.Read(json, config);
        Assert.Equal(direct.Tokens, linked.Tokens);
        Assert.Equal(direct.BosId, linked.BosId);
    }

    [Theory]
    [MemberData(nameof(SymbolicLinks.Kinds), MemberType = typeof(SymbolicLinks))]
    public void ACheckpointOfLinksConvertsAsTheFilesDo(LinkKind kind)
    {
        using var dir = new TempDirectory();
        string blobs = Directory.CreateDirectory(dir.File("blobs")).FullName;
        TinyCheckpoint.Write(blobs, TinyCheckpoint.Config("BitNetForCausalLM"), WeightForm.MasterBf16, subNorms: true, lmHead: false, seed: 3);
        string snapshot = dir.File("snapshot");
        foreach (string file in Directory.GetFiles(blobs))
            SymbolicLinks.Create(file, snapshot, Path.GetFileName(file), kind);

        using (var checkpoint = SafeTensorsCheckpoint.OpenDirectory(snapshot))
            Assert.True(checkpoint.TensorCount > 0);
        HuggingFaceConverter.Convert(blobs, dir.File("direct.gguf"), GgmlType.I2_S, new ConversionOptions { Name = "tiny" });
        var r = CliRunner.Run("convert", snapshot, "-o", dir.File("linked.gguf"), "--type", "i2_s", "--name", "tiny");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(File.ReadAllBytes(dir.File("direct.gguf")), File.ReadAllBytes(dir.File("linked.gguf")));
    }

    [Fact]
    public void TheSizeReportedForAnOutputWrittenThroughALinkIsTheModels()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("model.gguf"), []);
        string link = SymbolicLinks.Create(dir.File("model.gguf"), dir.File("out"), "link.gguf", LinkKind.Relative);

        var r = CliRunner.Run("synth", "--preset", "tiny", "--type", "i2_s", "-o", link);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains($"({new FileInfo(dir.File("model.gguf")).Length / 1e6:F1} MB)", r.Stderr);
        Assert.DoesNotContain("(0.0 MB)", r.Stderr);
    }

    [Fact]
    public void ALinkToAMissingModelIsAClearError()
    {
        using var dir = new TempDirectory();
        string link = dir.File("dangling.gguf");
        File.CreateSymbolicLink(link, dir.File("gone.gguf"));

        CliAssert.CleanError(CliRunner.Run("run", "-m", link, "-p", "Hi"), 2, link);
    }
}
