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
            var (modelPath, _) = engine.Read(parse);
            try
            {
                // The template is chosen and parsed from the model's vocabulary before the (slower) model load.
                var template = ChooseTemplate(modelPath, parse.GetValue(templateFile), parse.GetValue(templateName));
                using var model = engine.Load(parse);
                SamplingOptions.CheckVocabulary(request.Sampling, model.Graph.VocabSize);
                CheckSystemFits(model, template, parse.GetValue(system));
                Converse(model, template, parse.GetValue(system), request, Console.In, Console.Out);
                return 0;
            }
            catch (ChatTemplateException e)
            {
                // The model's template (or the one given) cannot render this conversation: a property of that file.
                return CliErrors.Fail(CliErrors.BadInput, e.Message);
            }
        }));
        return command;
    }

    /// <summary>
    /// The template from --chat-template FILE, --chat-template-name NAME or the model's own. A name that is not known
    /// is a usage error (exit 1); a template file that cannot be read or parsed, or a model without a template, is a
    /// bad input file (exit 2).
    /// </summary>
    static ChatTemplate ChooseTemplate(string modelPath, string? file, string? name)
    {
        if (file is not null && name is not null) throw new UsageException("use --chat-template or --chat-template-name, not both");
        if (name is not null && !BuiltInChatTemplates.Names.Contains(name))
            throw new UsageException($"--chat-template-name '{name}' is not known (choose from {string.Join(", ", BuiltInChatTemplates.Names)})");
        string? source = file is null ? null : Utf8TextFile.Read(file);

        var vocabulary = GgufVocabularyReader.Read(modelPath);
        if (source is not null) return ParseTemplateFile(file!, source, vocabulary);
        if (name is not null) return ChatTemplate.FromName(name, vocabulary);
        try
        {
            return ChatTemplate.FromVocabulary(vocabulary);
        }
        catch (ChatTemplateException e)
        {
            throw new InputFileException(e.Message);
        }
    }

    static ChatTemplate ParseTemplateFile(string file, string source, Vocabulary vocabulary)
    {
        try
        {
            return new ChatTemplate(source, BosText(vocabulary), EosText(vocabulary), file);
        }
        catch (ChatTemplateException e)
        {
            throw new InputFileException($"--chat-template {file}: not a supported chat template: {(e.InnerException ?? e).Message}");
        }
    }

    static string BosText(Vocabulary v) => v.BosId is int id ? v.Tokens[id] : "";
    static string EosText(Vocabulary v) => v.EosId is int id ? v.Tokens[id] : "";

    /// <summary>
    /// Refuses a --system message that leaves no room for a turn: /reset keeps it, so every turn would be refused. The
    /// smallest turn is the system message, an empty user message and the opening of the answer.
    /// </summary>
    static void CheckSystemFits(Engine.Hosting.LoadedModel model, ChatTemplate template, string? system)
    {
        if (system is null) return;
        var smallestTurn = new[] { new ChatMessage("system", system), new ChatMessage("user", "") };
        int tokens = model.Tokenizer.EncodePrompt(template.Render(smallestTurn, addGenerationPrompt: true)).Length;
        int context = model.Graph.ContextLength;
        if (tokens >= context)
            throw new UsageException($"--system takes {TokenCount.Of(tokens)} with the chat template, leaving no room in the context of {context} (use a shorter --system or a larger --ctx)");
    }

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
            if (string.IsNullOrWhiteSpace(line)) continue; // nothing said: not a turn

            messages.Add(new ChatMessage("user", line));
            var tokens = model.Tokenizer.EncodePrompt(template.Render(messages, addGenerationPrompt: true));
            if (tokens.Length >= model.Graph.ContextLength)
            {
                output.WriteLine($"(the conversation is {TokenCount.Of(tokens.Length)} and no longer fits the context of {model.Graph.ContextLength}; /reset to start over)");
                messages.RemoveAt(messages.Count - 1);
                continue;
            }
            var answer = new System.Text.StringBuilder();
            var stats = generator.Generate(tokens, request with { MaxTokens = Math.Min(request.MaxTokens, model.Graph.ContextLength - tokens.Length) },
                piece => { answer.Append(piece); output.Write(piece); output.Flush(); });
            output.WriteLine();
            messages.Add(new ChatMessage("assistant", answer.ToString()));
            Console.Error.WriteLine($"({TokenCount.Of(stats.GeneratedTokens)}, {GenerationSpeed.Describe(stats)})");
        }
    }
}
