using BitNet.Gpu.Tokenizers.Jinja;

namespace BitNet.Gpu.Tokenizers;

/// <summary>
/// A model's chat template (the Jinja text of <c>tokenizer.chat_template</c>), rendered by a small Jinja-subset renderer.
/// Templates are parsed and rendered once for a probe conversation when created, so an unsupported one, or one that
/// passes the renderer's limits on nesting, length and steps, fails early with a message that names where it came from
/// and says how to pass another.
/// </summary>
public sealed class ChatTemplate
{
    /// <summary>The conversation every template renders when it is created: user, assistant, user, and the reply's opening.</summary>
    public static IReadOnlyList<ChatMessage> ProbeConversation { get; } =
        [new("user", "Hello!"), new("assistant", "Hi. How can I help?"), new("user", "What is 2+2?")];

    readonly IReadOnlyList<Node> _template;

    /// <summary>The template's Jinja text.</summary>
    public string Source { get; }
    /// <summary>Where the template came from (a model or template file, or a built-in name), for error messages.</summary>
    public string? Origin { get; }
    /// <summary>The built-in name when the text equals one (llama3, bitnet, bitnet-hf, falcon3), else null.</summary>
    public string? KnownName { get; }
    public string BosToken { get; }
    public string EosToken { get; }

    /// <summary>Parses <paramref name="source"/> and renders <see cref="ProbeConversation"/> with it.</summary>
    /// <param name="origin">Where the template came from, for error messages; null for a template given as text.</param>
    /// <exception cref="ChatTemplateException">The template cannot be parsed, or the probe conversation cannot be rendered
    /// (other than by the template's own raise_exception), for example because it passes a limit.</exception>
    public ChatTemplate(string source, string bosToken, string eosToken, string? origin = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        Source = source;
        BosToken = bosToken;
        EosToken = eosToken;
        Origin = origin;
        KnownName = BuiltInChatTemplates.NameOf(source);
        try { _template = JinjaParser.Parse(source); }
        catch (ChatTemplateException e)
        {
            throw new ChatTemplateException($"{Prefix}is not supported: {e.Message}. {ChatTemplateException.CommandLineHint}", e);
        }
        try { Render(ProbeConversation, addGenerationPrompt: true); }
        catch (ChatTemplateException e) when (e.RaisedByTemplate)
        {
            // The template refuses this conversation itself (some want a system message first): a request that fits it
            // renders. Limits are what the probe is for.
        }
    }

    string Prefix => Origin is null ? "the chat template " : $"{Origin}: the chat template ";

    /// <summary>The template stored with <paramref name="vocabulary"/>, with its BOS/EOS token texts.</summary>
    public static ChatTemplate FromVocabulary(Vocabulary vocabulary) =>
        vocabulary.ChatTemplate is { } source
            ? new ChatTemplate(source, TokenText(vocabulary, vocabulary.BosId), TokenText(vocabulary, vocabulary.EosId), vocabulary.Source)
            : throw new ChatTemplateException($"{vocabulary.Source} has no chat template. {ChatTemplateException.CommandLineHint}");

    /// <summary>A built-in template by name (llama3, bitnet, bitnet-hf, falcon3) with the vocabulary's BOS/EOS texts.</summary>
    public static ChatTemplate FromName(string name, Vocabulary vocabulary) =>
        new(BuiltInChatTemplates.Get(name), TokenText(vocabulary, vocabulary.BosId), TokenText(vocabulary, vocabulary.EosId), $"built-in template {name}");

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
        catch (ChatTemplateException e) when (!e.RaisedByTemplate)
        {
            throw new ChatTemplateException($"{Prefix}could not be rendered: {e.Message}. {ChatTemplateException.CommandLineHint}", e);
        }
    }
}
