using System.Text.Json;
using BitNet.Gpu.Engine.Backends;
using BitNet.Gpu.Engine.Hosting;
using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Cli;

/// <summary>The CLI verbs end to end in a child process, and their error paths (clear message, exit code, no stack trace).</summary>
public class CliTests
{
    static readonly string Model = SyntheticModels.Tiny("bitnet-b1.58", GgmlType.I2_S);

    static void AssertCleanError(CliRunner.Result r, int exitCode, string fragment) => CliAssert.CleanError(r, exitCode, fragment);

    [Fact]
    public void RunStreamsTheGenerationAndReportsSpeeds()
    {
        var r = CliRunner.Run("run", "-m", Model, "-p", "the tea", "-n", "12", "--temp", "0", "--backend", "cpu");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.StartsWith("the tea", r.Stdout);
        Assert.True(r.Stdout.TrimEnd().Length > "the tea".Length, "nothing was generated");
        Assert.Contains("prompt:", r.Stderr);
        Assert.Matches(@"generation:\s+12 tokens", r.Stderr);
        Assert.Contains("tok/s", r.Stderr);
    }

    [Fact]
    public void RunWithASeedIsReproducible()
    {
        string[] args = ["run", "-m", Model, "-p", "a", "-n", "10", "--seed", "42", "--temp", "1.0", "--backend", "cpu"];
        var first = CliRunner.Run(args);
        var second = CliRunner.Run(args);
        Assert.Equal(0, first.ExitCode);
        Assert.Equal(first.Stdout, second.Stdout);
    }

    [Fact]
    public void RunWithFullLogitsGeneratesTheSameTokens()
    {
        // Greedy and top-k sampling skip the logits they cannot pick; --full-logits computes them all, and changes nothing else.
        string[] args = ["run", "-m", Model, "-p", "the tea", "-n", "12", "--temp", "0", "--backend", "cpu"];
        var screened = CliRunner.Run(args);
        var full = CliRunner.Run([.. args, "--full-logits"]);
        Assert.True(full.ExitCode == 0, full.Stderr);
        Assert.Equal(screened.Stdout, full.Stdout);
    }

    [Fact]
    public void RunWithJson_PrintsThePromptThenTheStartOfAJsonObject()
    {
        var r = CliRunner.Run("run", "-m", BundledModel.Path, "-p", "The budget", "-n", "30", "--temp", "0", "--json", "--backend", "cpu");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.StartsWith("The budget{", r.Stdout);
        var json = System.Text.Encoding.UTF8.GetBytes(r.Stdout["The budget".Length..].TrimEnd('\n'));
        var reader = new System.Text.Json.Utf8JsonReader(json, isFinalBlock: false, state: default);
        while (reader.Read()) { } // no error: the start of a JSON text
        var plain = CliRunner.Run("run", "-m", BundledModel.Path, "-p", "The budget", "-n", "30", "--temp", "0", "--backend", "cpu");
        Assert.DoesNotContain("{", plain.Stdout); // the greedy text alone holds no object: --json made it
    }

    [Fact]
    public void RunWithAJsonSchema_PrintsThePromptThenAnObjectTheSchemaAccepts()
    {
        const string schema = """
            {"type": "object", "properties": {"word": {"type": "string", "maxLength": 8}, "count": {"type": "integer", "minimum": 0, "maximum": 99},
             "kind": {"enum": ["tax", "war", "jobs"]}}, "required": ["word", "count", "kind"]}
            """;
        string file = Path.Combine(Path.GetTempPath(), $"schema-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, schema);
        try
        {
            foreach (var option in new[] { new[] { "--json-schema", schema }, ["--json-schema-file", file] })
            {
                var r = CliRunner.Run(["run", "-m", BundledModel.Path, "-p", "The budget", "-n", "120", "--temp", "0", .. option, "--backend", "cpu"]);
                Assert.True(r.ExitCode == 0, r.Stderr);
                Assert.StartsWith("The budget{", r.Stdout);
                using var answer = System.Text.Json.JsonDocument.Parse(r.Stdout["The budget".Length..].TrimEnd('\n'));
                var root = answer.RootElement;
                Assert.InRange(root.GetProperty("word").GetString()!.EnumerateRunes().Count(), 0, 8);
                Assert.InRange(root.GetProperty("count").GetInt32(), 0, 99);
                Assert.Contains(root.GetProperty("kind").GetString(), new[] { "tax", "war", "jobs" });
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void SynthWritesAnUntiedLlamaWithTheAskedEmbeddingType()
    {
        // The shape llama.cpp gives an untied ternary llama quantized to TQ2_0: a Q4_K token embedding.
        using var dir = new TempDirectory();
        string path = dir.File("llama-q4k.gguf");
        var r = CliRunner.Run("synth", "--arch", "llama", "--type", "tq2_0", "--embedding-type", "q4_k", "--untied", "-o", path);
        Assert.True(r.ExitCode == 0, r.Stderr);

        using (var file = BitNet.Gpu.Model.Gguf.GgufFile.Open(path))
        {
            Assert.Equal(GgmlType.Q4_K, file.GetTensor("token_embd.weight").Type);
            Assert.Equal(GgmlType.Q4_K, file.GetTensor("output.weight").Type);
            Assert.Equal(GgmlType.TQ2_0, file.GetTensor("blk.0.attn_q.weight").Type);
        }
        var run = CliRunner.Run("run", "-m", path, "-p", "abc", "-n", "4", "--temp", "0", "--backend", "cpu");
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Matches(@"generation:\s+4 tokens", run.Stderr);
    }

    [Fact]
    public void EvalDumpsEveryPositionsLogits()
    {
        using var dir = new TempDirectory();
        string dump = dir.File("logits.bin");
        var r = CliRunner.Run("eval", "-m", Model, "--tokens", "256 10 300 7", "--dump-logits", dump, "--backend", "cpu");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var bytes = File.ReadAllBytes(dump);
        Assert.Equal(4 * 512 * sizeof(float), bytes.Length);

        using var model = LoadedModel.Load(Model, new LoadOptions { Backend = "cpu" }, new BackendRegistry());
        var expected = new float[4 * 512];
        model.Graph.Forward([256, 10, 300, 7], expected, allLogits: true);
        Assert.Equal(expected, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).ToArray());
    }

    [Fact]
    public void EvalDumpsEveryNamedIntermediate()
    {
        using var dir = new TempDirectory();
        string folder = dir.File("tensors");
        var r = CliRunner.Run("eval", "-m", Model, "--tokens", "256 10 300", "--dump-logits", dir.File("logits.bin"),
                              "--dump-tensors", folder, "--backend", "cpu");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var index = File.ReadAllLines(Path.Combine(folder, "index.tsv")).Skip(1).Select(line => line.Split('\t')).ToArray();
        Assert.Contains(index, row => row[0] == "attn_norm-0");
        Assert.Equal("result_output", index[^1][0]);
        foreach (var row in index) // every listed tensor is there, rows × cols float32
            Assert.Equal(long.Parse(row[1]) * long.Parse(row[2]) * sizeof(float), new FileInfo(Path.Combine(folder, row[0] + ".f32")).Length);
        Assert.Equal(File.ReadAllBytes(dir.File("logits.bin")), File.ReadAllBytes(Path.Combine(folder, "result_output.f32")));

        var split = CliRunner.Run("eval", "-m", Model, "--tokens", "256 10 300", "--dump-logits", dir.File("x.bin"),
                                  "--dump-tensors", folder, "--batch-size", "2");
        AssertCleanError(split, 1, "--batch-size 3");
    }

    [Fact]
    public void BenchJsonHasTheSpeeds()
    {
        var r = CliRunner.Run("bench", "-m", Model, "-p", "16", "-n", "4", "--repeat", "1", "--json", "--backend", "cpu");
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var json = JsonDocument.Parse(r.Stdout);
        Assert.True(json.RootElement.GetProperty("prompt_tokens_per_second").GetDouble() > 0);
        Assert.True(json.RootElement.GetProperty("generation_tokens_per_second").GetDouble() > 0);
        Assert.True(json.RootElement.GetProperty("memory_bandwidth_gb_per_second").GetDouble() > 0);
        Assert.Equal("f16", json.RootElement.GetProperty("kv_cache_type").GetString()); // the cpu backend's default

        var f32 = CliRunner.Run("bench", "-m", Model, "-p", "4", "-n", "2", "--repeat", "1", "--json", "--backend", "cpu", "--cache-type", "f32");
        Assert.True(f32.ExitCode == 0, f32.Stderr);
        using var f32Json = JsonDocument.Parse(f32.Stdout);
        Assert.Equal("f32", f32Json.RootElement.GetProperty("kv_cache_type").GetString());

        var topK = CliRunner.Run("bench", "-m", Model, "-p", "0", "-n", "4", "--repeat", "1", "--json", "--backend", "cpu", "--top-k", "5");
        Assert.True(topK.ExitCode == 0, topK.Stderr);
        using var topJson = JsonDocument.Parse(topK.Stdout);
        Assert.Equal(5, topJson.RootElement.GetProperty("generation_top_k").GetInt32());
        Assert.True(topJson.RootElement.GetProperty("generation_tokens_per_second").GetDouble() > 0);
        // Bytes per token count what the output layer read: its share is the screen's half plus the exact rows (1.5 at most,
        // when the screen runs and then falls back to every row).
        double outputShare = topJson.RootElement.GetProperty("output_read_fraction").GetDouble();
        Assert.InRange(outputShare, 0.5, 1.5);
        Assert.True(topJson.RootElement.GetProperty("roofline_percent").GetDouble() > 0);
        Assert.Equal(1.0, json.RootElement.GetProperty("output_read_fraction").GetDouble());

        AssertCleanError(CliRunner.Run("bench", "-m", Model, "-n", "4", "--top-k", "-1"), 1, "--top-k");
        AssertCleanError(CliRunner.Run("bench", "-m", Model, "-p", "100000", "-n", "8", "--repeat", "1"), 1, "do not fit the context");
    }

    [Fact]
    public void BenchParallel_ReportsAggregateGenerationPerCount()
    {
        var r = CliRunner.Run("bench", "-m", Model, "-p", "8", "-n", "4", "--repeat", "1", "--json", "--backend", "cpu", "--parallel", "1,3");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length); // one JSON object per count
        using var one = JsonDocument.Parse(lines[0]);
        using var three = JsonDocument.Parse(lines[1]);
        Assert.Equal(1, one.RootElement.GetProperty("parallel").GetInt32());
        Assert.Equal(3, three.RootElement.GetProperty("parallel").GetInt32());
        Assert.True(three.RootElement.GetProperty("generation_tokens_per_second").GetDouble() > 0);
        // The prompt test runs once and is reported with every count.
        Assert.Equal(one.RootElement.GetProperty("prompt_tokens_per_second").GetDouble(), three.RootElement.GetProperty("prompt_tokens_per_second").GetDouble());

        // 3 sequences of 2 positions each: a step holds one token of each, more than one slot's context.
        var table = CliRunner.Run("bench", "-m", Model, "-p", "0", "-n", "2", "--repeat", "1", "--backend", "cpu", "--parallel", "3");
        Assert.True(table.ExitCode == 0, table.Stderr);
        Assert.Contains("tg2 x3", table.Stdout);

        AssertCleanError(CliRunner.Run("bench", "-m", Model, "-n", "4", "--parallel", "0"), 1, "--parallel");
        AssertCleanError(CliRunner.Run("bench", "-m", Model, "-n", "4", "--parallel", "4,x"), 1, "--parallel");
        AssertCleanError(CliRunner.Run("bench", "-m", Model, "-n", "4", "--parallel", "8", "--batch-size", "4"), 1, "--batch-size");
    }

    [Fact]
    public void BenchDepth_ReportsEachTestAfterThatManyTokens()
    {
        var table = CliRunner.Run("bench", "-m", Model, "-p", "8", "-n", "2", "--repeat", "1", "--backend", "cpu", "-d", "0,40", "--parallel", "1,2");
        Assert.True(table.ExitCode == 0, table.Stderr);
        foreach (var test in new[] { "pp8 ", "tg2 ", "tg2 x2 ", "pp8 @ d40", "tg2 @ d40", "tg2 x2 @ d40" })
            Assert.Contains(test, table.Stdout);
        Assert.Contains("filling 2 × 40 tokens of KV cache", table.Stderr); // the untimed fill says what it is doing

        var json = CliRunner.Run("bench", "-m", Model, "-p", "8", "-n", "2", "--repeat", "1", "--backend", "cpu", "-d", "40", "--json");
        Assert.True(json.ExitCode == 0, json.Stderr);
        using var result = JsonDocument.Parse(json.Stdout);
        Assert.Equal(40, result.RootElement.GetProperty("depth").GetInt32());

        AssertCleanError(CliRunner.Run("bench", "-m", Model, "-n", "4", "-d", "x"), 1, "-d takes token counts");
        AssertCleanError(CliRunner.Run("bench", "-m", Model, "-n", "4", "-d", "-5"), 1, "-d takes token counts");
        AssertCleanError(CliRunner.Run("bench", "-m", Model, "-p", "16", "-n", "4", "-d", "120"), 1, "do not fit the context of 128 tokens");
        AssertCleanError(CliRunner.Run("bench", "-m", Model, "-p", "64", "-n", "4", "-d", "5000"), 1, "pass --ctx 5064");
    }

    [Fact]
    public void BenchProfile_PrintsATableOfOperations_AndTheirJson()
    {
        var table = CliRunner.Run("bench", "-m", Model, "-p", "0", "-n", "3", "--repeat", "1", "--backend", "cpu", "--profile");
        Assert.True(table.ExitCode == 0, table.Stderr);
        foreach (var row in new[] { "ternary attn_q+attn_k+attn_v", "ternary ffn_down", "attention", "rms_norm", "all operations", "3 generated tokens" })
            Assert.Contains(row, table.Stdout);

        var json = CliRunner.Run("bench", "-m", Model, "-p", "0", "-n", "2", "--repeat", "1", "--backend", "cpu", "--profile", "--json");
        Assert.True(json.ExitCode == 0, json.Stderr);
        using var doc = JsonDocument.Parse(json.Stdout);
        var operations = doc.RootElement.GetProperty("profile").EnumerateArray().ToArray();
        var down = operations.Single(o => o.GetProperty("operation").GetString() == "ternary ffn_down");
        Assert.True(down.GetProperty("ms_per_token").GetDouble() > 0);
        Assert.True(down.GetProperty("weight_bytes_per_token").GetDouble() > 0);
        // Every weight byte of a token is in some row of the profile.
        Assert.Equal(doc.RootElement.GetProperty("weight_bytes_per_token").GetDouble(),
                     operations.Sum(o => o.GetProperty("weight_bytes_per_token").GetDouble()), 3);

        AssertCleanError(CliRunner.Run("bench", "-m", Model, "-p", "8", "-n", "0", "--profile"), 1, "--profile");
    }

    [Fact]
    public void TokenizeInfoDevicesAndPerplexity()
    {
        var tokens = CliRunner.Run("tokenize", "-m", Model, "the tea");
        Assert.True(tokens.ExitCode == 0, tokens.Stderr);
        Assert.StartsWith("256 ", tokens.Stdout); // BOS first
        var noBos = CliRunner.Run("tokenize", "-m", Model, "--no-bos", "--pieces", "the tea");
        Assert.DoesNotContain("256:", noBos.Stdout);
        Assert.Contains(":'", noBos.Stdout);

        var info = CliRunner.Run("info", Model);
        Assert.True(info.ExitCode == 0, info.Stderr);
        Assert.Contains("bitnet-b1.58", info.Stdout);
        Assert.Contains("I2_S", info.Stdout);

        var devices = CliRunner.Run("devices");
        Assert.Equal(0, devices.ExitCode);
        Assert.Contains("cpu", devices.Stdout);

        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("text.txt"), string.Concat(Enumerable.Repeat("the state of the union is strong and the people are free. ", 30)));
        var ppl = CliRunner.Run("perplexity", "-m", Model, "-f", dir.File("text.txt"), "--ctx", "64", "--backend", "cpu");
        Assert.True(ppl.ExitCode == 0, ppl.Stderr);
        Assert.Matches(@"perplexity: \d+\.\d+", ppl.Stdout);
    }

    [Fact]
    public void ChatKeepsGoingAcrossTurnsAndResets()
    {
        var r = CliRunner.RunWithInput("hello\n/reset\nhi there\n/exit\n", "chat", "-m", Model, "--chat-template-name", "llama3", "-n", "6", "--temp", "0", "--backend", "cpu");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("(conversation reset)", r.Stdout);
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(r.Stderr, @"\(\d+ tokens, ").Count); // two answers
    }

    [Fact]
    public void ChatWithoutATemplateSaysHowToPassOne() =>
        AssertCleanError(CliRunner.RunWithInput("hi\n", "chat", "-m", Model, "--backend", "cpu"), 2, "--chat-template");

    [Fact]
    public void ErrorsAreOneClearLine()
    {
        AssertCleanError(CliRunner.Run("run", "-m", Model), 1, "needs a prompt");
        AssertCleanError(CliRunner.Run("run", "-m", Model, "-p", "x", "--backend", "tpu"), 1, "--backend 'tpu'");
        AssertCleanError(CliRunner.Run("run", "-m", Model, "-p", "x", "--top-p", "1.5"), 1, "--top-p");
        AssertCleanError(CliRunner.Run("run", "-m", Model, "-p", "x", "--threads", "-3"), 1, "--threads");
        AssertCleanError(CliRunner.Run("run", "-m", Model, "-p", "x", "-n", "-1"), 1, "-n");
        AssertCleanError(CliRunner.Run("run", "-m", "/no/such/model.gguf", "-p", "x"), 2, "/no/such/model.gguf");
        AssertCleanError(CliRunner.Run("run", "-m", Model, "-p", string.Concat(Enumerable.Repeat("the tea ", 40)), "--ctx", "16"), 1, "longer than the context");
        AssertCleanError(CliRunner.Run("run", "-m", Model, "-p", "x", "--ctx", "100000"), 1, "--ctx");
        AssertCleanError(CliRunner.Run("run", "-m", Model, "-p", "x", "--cache-type", "q4_0"), 1, "--cache-type 'q4_0'");
        AssertCleanError(CliRunner.Run("run", "-m", Model, "-p", "x", "--output-type", "q4_0"), 1, "--output-type 'q4_0'");
        AssertCleanError(CliRunner.Run("eval", "-m", Model, "--tokens", "1 x", "--dump-logits", "/tmp/x"), 1, "'x' is not a token id");
        AssertCleanError(CliRunner.Run("eval", "-m", Model, "--tokens", "1 99999", "--dump-logits", "/tmp/x"), 1, "99999");
        AssertCleanError(CliRunner.Run("synth", "--preset", "huge", "-o", "/tmp/x.gguf"), 1, "--preset 'huge'");
        AssertCleanError(CliRunner.Run("synth", "--type", "q4_0", "-o", "/tmp/x.gguf"), 1, "--type 'q4_0'");
        AssertCleanError(CliRunner.Run("convert", "/no/such/dir", "-o", "/tmp/x.gguf"), 2, "/no/such/dir");
    }

    [Fact]
    public void TokenizeFileUsesTheExactBytesAndRejectsInvalidUtf8()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("crlf.txt"), "the\r\ntea \n"u8.ToArray());
        var fromFile = CliRunner.Run("tokenize", "-m", Model, "--file", dir.File("crlf.txt"));
        var fromText = CliRunner.Run("tokenize", "-m", Model, "the\r\ntea \n");
        Assert.True(fromFile.ExitCode == 0, fromFile.Stderr);
        Assert.Equal(fromText.Stdout, fromFile.Stdout);

        File.WriteAllBytes(dir.File("bad.txt"), [0x61, 0xC3, 0x28, 0x62]);
        AssertCleanError(CliRunner.Run("tokenize", "-m", Model, "--file", dir.File("bad.txt")), 2, "not valid UTF-8 (at byte 1)");
    }

    [Fact]
    public void ACorruptModelNamesTheFile()
    {
        using var dir = new TempDirectory();
        string bad = dir.File("bad.gguf");
        var bytes = File.ReadAllBytes(Model);
        File.WriteAllBytes(bad, bytes.AsSpan(0, bytes.Length / 2).ToArray());
        AssertCleanError(CliRunner.Run("run", "-m", bad, "-p", "x"), 2, bad);
        AssertCleanError(CliRunner.Run("info", bad), 2, bad);
    }
}
