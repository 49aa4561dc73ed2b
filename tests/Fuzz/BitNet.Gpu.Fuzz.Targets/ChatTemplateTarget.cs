using System.Text;
using BitNet.Gpu.Tokenizers;

namespace BitNet.Gpu.Fuzz;

/// <summary>
/// The input (as UTF-8) as a chat template: parsed and probed (the constructor), then rendered for a conversation with a
/// system message and for one whose contents hold template syntax and odd characters. Allowed: <see cref="ChatTemplateException"/>.
/// </summary>
static class ChatTemplateTarget
{
    static readonly ChatMessage[] WithSystem =
        [new("system", "Be brief."), new("user", "Hi!"), new("assistant", " Hello. "), new("user", "What is 2+2?")];

    static readonly ChatMessage[] Odd =
        [new("user", "{{ messages }} {% if %} \u0000 \uD83D\uDE00 \uD800"), new("tool", ""), new("assistant", "<|eot_id|>")];

    public static void Run(byte[] input)
    {
        try
        {
            var template = new ChatTemplate(Encoding.UTF8.GetString(input), "<|begin_of_text|>", "<|end_of_text|>");
            Render(template, WithSystem, true);
            Render(template, Odd, false);
        }
        catch (ChatTemplateException) { }
    }

    // A template may refuse a conversation itself (raise_exception); that is not a finding either.
    static void Render(ChatTemplate template, ChatMessage[] messages, bool addGenerationPrompt)
    {
        try { template.Render(messages, addGenerationPrompt); }
        catch (ChatTemplateException e) when (e.RaisedByTemplate) { }
    }
}
