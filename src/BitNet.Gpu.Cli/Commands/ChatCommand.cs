using System.CommandLine;
using BitNet.Gpu.Engine.Generation;
using BitNet.Gpu.Tokenizers;

namespace BitNet.Gpu.Cli.Commands;

/// <summary>
/// bitnet-gpu chat: an interactive conversation using the model's chat template. The KV cache is kept across
/// turns (only the new part of the conversation is processed); /reset starts over, /exit or end of input quits.
/// </summary>
public static class ChatCommand
{
    public static Command Create()
    {
        var engine = new EngineOptions();
        var sampling = new SamplingOptions();
        var system = new Option<string?>("--system") { Description = "a system message to start the conversation" };
        var templateFile = new Option<string?>("--chat-template") { Description = "a Jinja chat template file to use instead of the model's" };
        var templateName = new Option<string?>("--chat-template-name") { Description = $"a built-in template: {string.Join(", ", BuiltInChatTemplates.Names)}" };
        var count = new Option<int>("-n", "--n-predict") { Description = "most tokens per answer", DefaultValueFactory = _ => 512 };

        var command = new Command("chat", "Talk with a model (type /reset to start over, /exit to quit)") { system, templateFile, templateName, count };
        engine.AddTo(command);
        sampling.AddTo(command);
        command.SetAction(parse => CliErrors.Run(() =>
        {
            var request = sampling.Request(parse, parse.GetValue(count));
            if (request.MaxTokens <= 0) throw new UsageException($"-n must be positive, got {request.MaxTokens}");
            using var model = engine.Load(parse);
            var template = ChooseTemplate(model.Tokenizer.Vocabulary, parse.GetValue(templateFile), parse.GetValue(templateName));
            Converse(model, template, parse.GetValue(system), request, Console.In, Console.Out);
            return 0;
        }));
        return command;
    }

    static ChatTemplate ChooseTemplate(Vocabulary vocabulary, string? file, string? name)
    {
        if (file is not null && name is not null) throw new UsageException("use --chat-template or --chat-template-name, not both");
        if (file is not null) return new ChatTemplate(File.ReadAllText(file), BosText(vocabulary), EosText(vocabulary));
        if (name is not null) return ChatTemplate.FromName(name, vocabulary);
        return ChatTemplate.FromVocabulary(vocabulary);
    }

    static string BosText(Vocabulary v) => v.BosId is int id ? v.Tokens[id] : "";
    static string EosText(Vocabulary v) => v.EosId is int id ? v.Tokens[id] : "";

    /// <summary>The conversation loop, reading user turns from <paramref name="input"/>.</summary>
    internal static void Converse(Engine.Hosting.LoadedModel model, ChatTemplate template, string? system,
                                  GenerationRequest request, TextReader input, TextWriter output)
    {
        var generator = new TextGenerator(model);
        var messages = new List<ChatMessage>();
        if (system is not null) messages.Add(new ChatMessage("system", system));
        int systemCount = messages.Count;
        Console.Error.WriteLine("chat: type a message; /reset starts over, /exit quits.");
        while (true)
        {
            output.Write("> ");
            output.Flush();
            string? line = input.ReadLine();
            if (line is null || line.Trim() == "/exit") break;
            if (line.Trim() == "/reset")
            {
                messages.RemoveRange(systemCount, messages.Count - systemCount);
                generator.Reset();
                output.WriteLine("(conversation reset)");
                continue;
            }
            if (line.Length == 0) continue;

            messages.Add(new ChatMessage("user", line));
            var tokens = Encode(model.Tokenizer, template.Render(messages, addGenerationPrompt: true));
            if (tokens.Length >= model.Graph.ContextLength)
            {
                output.WriteLine($"(the conversation is {tokens.Length} tokens and no longer fits the context of {model.Graph.ContextLength}; /reset to start over)");
                messages.RemoveAt(messages.Count - 1);
                continue;
            }
            var answer = new System.Text.StringBuilder();
            var stats = generator.Generate(tokens, request with { MaxTokens = Math.Min(request.MaxTokens, model.Graph.ContextLength - tokens.Length) },
                piece => { answer.Append(piece); output.Write(piece); output.Flush(); });
            output.WriteLine();
            messages.Add(new ChatMessage("assistant", answer.ToString()));
            Console.Error.WriteLine($"({stats.GeneratedTokens} tokens, {stats.GenerationTokensPerSecond:F1} tok/s)");
        }
    }

    /// <summary>A rendered conversation: special tokens parsed; BOS added only when the template did not write it.</summary>
    static int[] Encode(Tokenizer tokenizer, string rendered)
    {
        var v = tokenizer.Vocabulary;
        bool templateHasBos = v.BosId is int bos && rendered.StartsWith(v.Tokens[bos], StringComparison.Ordinal);
        return tokenizer.Encode(rendered, addBos: v.AddBos && !templateHasBos, parseSpecial: true);
    }
}
