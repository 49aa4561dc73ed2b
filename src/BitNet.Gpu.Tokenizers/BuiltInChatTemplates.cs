namespace BitNet.Gpu.Tokenizers;

/// <summary>
/// The chat templates this project knows by name, verbatim as the models ship them, so a model file without a (usable)
/// template can be given one with <c>--chat-template-name</c>.
/// </summary>
public static class BuiltInChatTemplates
{
    /// <summary>Llama 3 Instruct (Meta's tokenizer_config.json).</summary>
    public const string Llama3 =
        "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}";

    /// <summary>
    /// BitNet b1.58 2B4T as bitnet.cpp's converter (utils/convert-ms-to-gguf-bitnet.py) writes it into the GGUF. The
    /// "\n\n" are Jinja string escapes, as in the file. Note the eos_token after each user turn.
    /// </summary>
    public const string BitNet =
        "{% for message in messages %}{% if loop.first %}{{ bos_token }}{% endif %}{% if message['role'] == 'user' %}{{ 'Human: ' + message['content'] + '\\n\\nBITNETAssistant: ' + eos_token }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token }}{% endif %}{% endfor %}";

    /// <summary>BitNet b1.58 2B4T from the Hugging Face checkpoint's tokenizer_config.json (microsoft/bitnet-b1.58-2B-4T).</summary>
    public const string BitNetHuggingFace =
        "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = message['role'] | capitalize + ': '+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ 'Assistant: ' }}{% endif %}";

    /// <summary>Falcon3 Instruct without tools (tiiuae/Falcon3-*-Instruct tokenizer_config.json, its no-tools branch).</summary>
    public const string Falcon3 =
        "{% for message in messages %}{% if message['role'] == 'system' %}{{ '<|system|>\n' + message['content'] + '\n' }}{% elif message['role'] == 'user' %}{{ '<|user|>\n' + message['content'] + '\n' }}{% elif message['role'] == 'assistant' %}{% if not loop.last %}{{ '<|assistant|>\n' + message['content'] + eos_token + '\n' }}{% else %}{{ '<|assistant|>\n' + message['content'] + eos_token }}{% endif %}{% endif %}{% if loop.last and add_generation_prompt %}{{ '<|assistant|>\n' }}{% endif %}{% endfor %}";

    public static IReadOnlyList<string> Names { get; } = ["llama3", "bitnet", "bitnet-hf", "falcon3"];

    /// <summary>The template called <paramref name="name"/>; throws <see cref="ChatTemplateException"/> listing the names.</summary>
    public static string Get(string name) => name switch
    {
        "llama3" => Llama3,
        "bitnet" => BitNet,
        "bitnet-hf" => BitNetHuggingFace,
        "falcon3" => Falcon3,
        _ => throw new ChatTemplateException($"unknown chat template name '{name}'; known: {string.Join(", ", Names)}. {ChatTemplateException.CommandLineHint}"),
    };

    /// <summary>The name of a built-in template equal to <paramref name="source"/> (ignoring surrounding whitespace), else null.</summary>
    public static string? NameOf(string source) =>
        Names.FirstOrDefault(n => Get(n).Trim() == source.Trim());
}
