namespace BitNet.Gpu.Fuzz;

/// <summary>Every fuzz target, by name.</summary>
public static class FuzzTargets
{
    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new("gguf", "GGUF header, metadata and tensor infos (GgufFile.Open), then the vocabulary and model description readers", GgufTarget.Run),
        new("safetensors", "safetensors header (SafeTensorsFile.Open)", SafeTensorsTarget.Run),
        new("tokenizer-json", "tokenizer.json, a NUL byte, then tokenizer_config.json (HuggingFaceVocabularyReader), a tokenizer and chat template from them", TokenizerJsonTarget.Run),
        new("chat-template", "a Jinja chat template, parsed and rendered for fixed conversations (ChatTemplate)", ChatTemplateTarget.Run),
        new("tokenizer", "text and token ids through encode, decode and the streaming decoder of two real vocabularies", TokenizerTarget.Run),
        new("json-schema", "a JSON Schema for structured output, compiled (keywords, $refs, patterns), then fixed texts through its automaton", JsonSchemaTarget.Run),
        new("gbnf", "a GBNF grammar, compiled (rules, classes, escapes, repetitions, left recursion), then fixed texts through its matcher", GbnfTarget.Run),
        new("server-request", "a chat, text completion, Responses or Anthropic Messages request body as serve reads it: JSON, messages, prompt or input, sampling fields, context check", ServerRequestTarget.Run),
    ];

    /// <summary>The target called <paramref name="name"/>, or null.</summary>
    public static FuzzTarget? Find(string name) => All.FirstOrDefault(t => t.Name == name);
}
