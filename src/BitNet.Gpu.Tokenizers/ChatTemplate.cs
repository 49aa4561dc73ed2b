using BitNet.Gpu.Tokenizers.Jinja;

namespace BitNet.Gpu.Tokenizers;

/// <summary>
/// A model's chat template (the Jinja text of <c>tokenizer.chat_template</c>), rendered by a small Jinja-subset renderer.
/// Templates are parsed when created, so an unsupported one fails early with a message that says how to pass another.
/// </summary>
public sealed class ChatTemplate
{
    readonly IReadOnlyList<Node> _template;

    public string Source { get; }
    /// <summary>The built-in name when the text equals one (llama3, bitnet, bitnet-hf, falcon3), else null.</summary>
    public string? KnownName { get; }
    public string BosToken { get; }
    public string EosToken { get; }

    public ChatTemplate(string source, string bosToken, string eosToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        Source = source;
        BosToken = bosToken;
        EosToken = eosToken;
        KnownName = BuiltInChatTemplates.NameOf(source);
        try { _template = JinjaParser.Parse(source); }
        catch (ChatTemplateException e)
        {
            throw new ChatTemplateException($"the chat template is not supported: {e.Message}. {ChatTemplateException.CommandLineHint}", e);
        }
    }

    /// <summary>The template stored with <paramref name="vocabulary"/>, with its BOS/EOS token texts.</summary>
    public static ChatTemplate FromVocabulary(Vocabulary vocabulary) =>
        vocabulary.ChatTemplate is { } source
            ? new ChatTemplate(source, TokenText(vocabulary, vocabulary.BosId), TokenText(vocabulary, vocabulary.EosId))
            : throw new ChatTemplateException($"{vocabulary.Source} has no chat template. {ChatTemplateException.CommandLineHint}");

    /// <summary>A built-in template by name (llama3, bitnet, bitnet-hf, falcon3) with the vocabulary's BOS/EOS texts.</summary>
    public static ChatTemplate FromName(string name, Vocabulary vocabulary) =>
        new(BuiltInChatTemplates.Get(name), TokenText(vocabulary, vocabulary.BosId), TokenText(vocabulary, vocabulary.EosId));

    static string TokenText(Vocabulary v, int? id) => id is { } i ? v.Tokens[i] : "";

    /// <summary>
    /// The prompt text for <paramref name="messages"/>; with <paramref name="addGenerationPrompt"/> the template adds the
    /// opening of the assistant's reply. Encode the result with special-token parsing on, and without adding BOS when the
    /// text already starts with <see cref="BosToken"/> (most templates write it themselves).
    /// </summary>
    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var variables = new Dictionary<string, object?>
        {
            ["messages"] = messages.Select(m => (object?)new Dictionary<string, object?> { ["role"] = m.Role, ["content"] = m.Content }).ToList(),
            ["add_generation_prompt"] = addGenerationPrompt,
            ["bos_token"] = BosToken,
            ["eos_token"] = EosToken,
        };
        try { return JinjaInterpreter.Render(_template, variables); }
        catch (ChatTemplateException e) when (!e.Message.StartsWith("the template raised", StringComparison.Ordinal))
        {
            throw new ChatTemplateException($"the chat template could not be rendered: {e.Message}. {ChatTemplateException.CommandLineHint}", e);
        }
    }
}
