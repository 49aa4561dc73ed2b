using System.CommandLine;
using BitNet.Gpu.Engine.Generation;

namespace BitNet.Gpu.Cli.Commands;

/// <summary>bitnet-gpu run -p PROMPT: streams the generated text to stdout, then prints speeds to stderr.</summary>
public static class RunCommand
{
    public static Command Create()
    {
        var engine = new EngineOptions();
        var sampling = new SamplingOptions();
        var prompt = new Option<string?>("--prompt", "-p") { Description = "the prompt text" };
        var promptFile = new Option<string?>("--file", "-f") { Description = "read the prompt from a file (UTF-8)" };
        var count = new Option<int>("-n", "--n-predict") { Description = "tokens to generate", DefaultValueFactory = _ => 128 };
        var noBos = new Option<bool>("--no-bos") { Description = "do not add the BOS token even when the model asks for it" };
        var special = new Option<bool>("--special") { Description = "parse special tokens such as <|eot_id|> in the prompt" };

        var command = new Command("run", "Generate text after a prompt") { prompt, promptFile, count, noBos, special };
        engine.AddTo(command);
        sampling.AddTo(command);
        command.SetAction(parse => CliErrors.Run(() =>
        {
            string text = PromptText(parse.GetValue(prompt), parse.GetValue(promptFile));
            int n = parse.GetValue(count);
            if (n < 0) throw new UsageException($"-n must be zero or more, got {n}");
            var request = sampling.Request(parse, n);

            using var model = engine.Load(parse);
            SamplingOptions.CheckVocabulary(request.Sampling, model.Graph.VocabSize);
            var tokens = model.Tokenizer.Encode(text, addBos: model.Tokenizer.Vocabulary.AddBos && !parse.GetValue(noBos), parseSpecial: parse.GetValue(special));
            if (tokens.Length == 0) throw new UsageException("the prompt has no tokens");
            if (tokens.Length > model.Graph.ContextLength)
                throw new UsageException($"the prompt is {TokenCount.Of(tokens.Length)}, longer than the context of {model.Graph.ContextLength} (use --ctx or a shorter prompt)");

            var stdout = Console.Out;
            stdout.Write(text);
            var stats = new TextGenerator(model).Generate(tokens, request, piece => { stdout.Write(piece); stdout.Flush(); });
            stdout.WriteLine();
            Report(model, stats);
            return 0;
        }));
        return command;
    }

    /// <summary>The prompt from -p or -f (one of them, not both: which one was meant is not clear).</summary>
    static string PromptText(string? prompt, string? file)
    {
        if (prompt is not null && file is not null) throw new UsageException("give -p PROMPT or -f FILE, not both");
        if (file is not null) return Utf8TextFile.Read(file);
        return prompt ?? throw new UsageException("run needs a prompt: -p \"text\" or -f FILE");
    }

    internal static void Report(Engine.Hosting.LoadedModel model, GenerationStats stats)
    {
        Console.Error.WriteLine();
        Console.Error.WriteLine($"backend: {model.Backend.Name} ({model.Backend.DeviceDescription})");
        Console.Error.WriteLine($"prompt:     {stats.PromptTokens,5} {TokenCount.Word(stats.PromptTokens)} in {stats.PromptTime.TotalMilliseconds,9:F1} ms = {stats.PromptTokensPerSecond,8:F1} tok/s");
        Console.Error.WriteLine($"generation: {stats.GeneratedTokens,5} {TokenCount.Word(stats.GeneratedTokens)}; {GenerationSpeed.Describe(stats)} (stopped: {stats.StopReason})");
    }
}
