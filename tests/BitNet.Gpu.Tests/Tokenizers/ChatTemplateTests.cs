using BitNet.Gpu.Tokenizers;

namespace BitNet.Gpu.Tests.Tokenizers;

/// <summary>Each template rendered for a two-turn conversation; expected strings written out by hand from the template text.</summary>
public class ChatTemplateTests
{
    const string Bos = "<|begin_of_text|>", Eos = "<|end_of_text|>";

    // Contents with surrounding spaces show which templates trim.
    static readonly ChatMessage[] Conversation =
    [
        new("user", "Hi!"),
        new("assistant", " Hello. "),
        new("user", "What is 2+2?"),
    ];

    static string Render(string template, bool addGenerationPrompt, IReadOnlyList<ChatMessage>? messages = null) =>
        new ChatTemplate(template, Bos, Eos).Render(messages ?? Conversation, addGenerationPrompt);

    [Fact]
    public void BitNetCppTemplate()
    {
        const string expected =
            "<|begin_of_text|>Human: Hi!\n\nBITNETAssistant: <|end_of_text|> Hello. <|end_of_text|>Human: What is 2+2?\n\nBITNETAssistant: <|end_of_text|>";
        Assert.Equal(expected, Render(BuiltInChatTemplates.BitNet, addGenerationPrompt: true));
        Assert.Equal(expected, Render(BuiltInChatTemplates.BitNet, addGenerationPrompt: false)); // the template ignores it
    }

    [Fact]
    public void BitNetHuggingFaceTemplate()
    {
        const string turns = "<|begin_of_text|>User: Hi!<|eot_id|>Assistant: Hello.<|eot_id|>User: What is 2+2?<|eot_id|>";
        Assert.Equal(turns + "Assistant: ", Render(BuiltInChatTemplates.BitNetHuggingFace, true));
        Assert.Equal(turns, Render(BuiltInChatTemplates.BitNetHuggingFace, false));
    }

    [Fact]
    public void Llama3Template()
    {
        const string turns =
            "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|>" +
            "<|start_header_id|>assistant<|end_header_id|>\n\nHello.<|eot_id|>" +
            "<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>";
        const string prompt = "<|start_header_id|>assistant<|end_header_id|>\n\n";
        Assert.Equal(turns + prompt, Render(BuiltInChatTemplates.Llama3, true));
        Assert.Equal(turns, Render(BuiltInChatTemplates.Llama3, false));

        // The fixture's tokenizer_config.json (base Llama 3) always writes the assistant header.
        var fromConfig = ChatTemplate.FromVocabulary(Llama3TestData.FromJson.Vocabulary);
        Assert.Equal(turns + prompt, fromConfig.Render(Conversation, addGenerationPrompt: false));
    }

    [Fact]
    public void Falcon3Template()
    {
        ChatMessage[] messages = [new("system", "Be brief."), .. Conversation];
        const string turns = "<|system|>\nBe brief.\n<|user|>\nHi!\n<|assistant|>\n Hello. <|end_of_text|>\n<|user|>\nWhat is 2+2?\n";
        Assert.Equal(turns + "<|assistant|>\n", Render(BuiltInChatTemplates.Falcon3, true, messages));
        Assert.Equal(turns, Render(BuiltInChatTemplates.Falcon3, false, messages));
        // A conversation ending with the assistant: no newline after its eos.
        Assert.Equal("<|user|>\nHi!\n<|assistant|>\n Hello. <|end_of_text|>", Render(BuiltInChatTemplates.Falcon3, false, Conversation[..2]));
    }

    [Fact]
    public void BuiltInTemplates_AreRecognizedByText()
    {
        foreach (string name in BuiltInChatTemplates.Names)
            Assert.Equal(name, new ChatTemplate(BuiltInChatTemplates.Get(name), Bos, Eos).KnownName);
        Assert.Null(new ChatTemplate("{{ messages[0]['content'] }}", Bos, Eos).KnownName);
    }

    [Fact]
    public void FromName_UsesTheVocabularysBosAndEos()
    {
        var template = ChatTemplate.FromName("bitnet", Llama3TestData.FromJson.Vocabulary);
        Assert.Equal("<|begin_of_text|>", template.BosToken);
        Assert.Equal("<|end_of_text|>", template.EosToken);
    }

    [Fact]
    public void RenderedPrompt_EncodesControlMarkersAsSingleTokens()
    {
        var tok = Llama3TestData.FromJson;
        string prompt = Render(BuiltInChatTemplates.Llama3, true, [new("user", "Hi")]);
        Assert.Equal([128000, 128006, 882, 128007, 271, 13347, 128009, 128006, 78191, 128007, 271],
            tok.Encode(prompt, addBos: false, parseSpecial: true));
    }

    [Theory]
    [InlineData("{% macro greet() %}hi{% endmacro %}", "unsupported statement")]
    [InlineData("{{ messages[0]['content'] ", "never closed")]
    [InlineData("{% if true %}x", "endif")]
    [InlineData("{% endfor %}", "without a matching")]
    [InlineData("{{ 'a' | frobnicate }}", "frobnicate")]
    [InlineData("{{ 1 + }}", "unexpected")]
    public void UnsupportedTemplates_SayHowToPassOne(string template, string detail)
    {
        var e = Assert.Throws<ChatTemplateException>(() => Render(template, true));
        Assert.Contains(detail, e.Message);
        Assert.Contains("--chat-template FILE", e.Message);
        Assert.Contains("--chat-template-name llama3|bitnet", e.Message);
    }

    [Fact]
    public void MissingTemplate_SaysHowToPassOne()
    {
        var v = new Vocabulary
        {
            Source = "no-template.gguf",
            Model = TokenizerModelKind.SentencePiece,
            Tokens = ["<unk>", "a"],
            TokenTypes = [TokenType.Unknown, TokenType.Normal],
        };
        var e = Assert.Throws<ChatTemplateException>(() => ChatTemplate.FromVocabulary(v));
        Assert.Contains("--chat-template", e.Message);
        Assert.Throws<ChatTemplateException>(() => BuiltInChatTemplates.Get("chatml"));
    }

    [Fact]
    public void RaiseException_ReportsTheTemplatesMessage()
    {
        const string template = "{% if messages[0]['role'] != 'user' %}{{ raise_exception('first turn must be the user') }}{% endif %}ok";
        var e = Assert.Throws<ChatTemplateException>(() => Render(template, true, [new("assistant", "x")]));
        Assert.Contains("first turn must be the user", e.Message);
        Assert.Equal("ok", Render(template, true, [new("user", "x")]));
    }

    // Jinja semantics the real templates lean on.
    [Theory]
    [InlineData("{% for m in messages %}{% set x = m.role %}{% endfor %}[{{ x }}]", "[]")] // set in a loop is per iteration
    [InlineData("{% set ns = namespace(n=0) %}{% for m in messages %}{% set ns.n = ns.n + 1 %}{% endfor %}{{ ns.n }}", "3")]
    [InlineData("{% for m in messages[1:] %}{{ loop.index }}{{ m['role'][0] }}{% if not loop.last %},{% endif %}{% endfor %}", "1a,2u")]
    [InlineData("{{ tools is defined }}|{{ messages is defined }}|{% if tools %}T{% else %}F{% endif %}", "False|True|F")]
    [InlineData("  {%- if true -%}  \n x {%- endif %}", "x")]
    [InlineData("a\n  {% if true %}\nb\n  {% endif %}\nc", "a\nb\nc")] // trim_blocks + lstrip_blocks
    [InlineData("{{ 'x' if add_generation_prompt else 'y' }}{{ 'A' ~ 1 }}{{ messages | length }}", "xA13")]
    [InlineData("{{ messages[-1].content.strip() | upper }}{{ 'user' in ['user'] }}{{ 'q' not in 'abc' }}", "WHAT IS 2+2?TrueTrue")]
    [InlineData("{% for m in messages if m.role == 'user' %}{{ m.content }};{% endfor %}", "Hi!;What is 2+2?;")]
    [InlineData("{# comment #}{{ \"dq\\\"s\" }}{{ '\\n' }}", "dq\"s\n")]
    public void JinjaSubset(string template, string expected) => Assert.Equal(expected, Render(template, true));
}
