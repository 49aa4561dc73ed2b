using BitNet.Gpu.Model;
using BitNet.Gpu.Model.Convert;
using BitNet.Gpu.Model.Gguf;
using BitNet.Gpu.Tokenizers;

namespace BitNet.Gpu.Fuzz;

/// <summary>
/// The input as tokenizer.json, then (after the first NUL byte, if any) tokenizer_config.json, through both readers of
/// them: the tokenizer's (HuggingFaceVocabularyReader, then a tokenizer that encodes and decodes a fixed text, and its
/// chat template rendered) and the converter's (HuggingFaceVocabularyExporter to GGUF metadata, read back as a
/// vocabulary). Allowed: <see cref="ModelFormatException"/> and <see cref="ChatTemplateException"/>.
/// </summary>
static class TokenizerJsonTarget
{
    public static void Run(byte[] input)
    {
        int split = Array.IndexOf(input, (byte)0);
        byte[] json = split < 0 ? input : input[..split];
        byte[]? config = split < 0 ? null : input[(split + 1)..];
        Refused(() =>
        {
            var vocabulary = HuggingFaceVocabularyReader.Read(new MemoryStream(json), "tokenizer.json",
                config is null ? null : new MemoryStream(config), "tokenizer_config.json");
            Exercise(vocabulary);
        });
        Refused(() =>
        {
            string jsonPath = ScratchFile.Write(json, "-tokenizer.json");
            string? configPath = config is null ? null : ScratchFile.Write(config, "-tokenizer_config.json");
            var metadata = new GgufMetadata(jsonPath);
            foreach (var (key, value) in HuggingFaceVocabularyExporter.Export(jsonPath, configPath)) metadata.Set(key, value);
            Exercise(GgufVocabularyReader.Read(metadata, jsonPath));
        });
    }

    static void Exercise(Vocabulary vocabulary)
    {
        var tokenizer = new Tokenizer(vocabulary);
        tokenizer.Decode(tokenizer.Encode("Hello, world! <|end|> ünïcode 😀", addBos: true, parseSpecial: true), renderSpecial: true);
        if (vocabulary.ChatTemplate is not null)
            ChatTemplate.FromVocabulary(vocabulary).Render(ChatTemplate.ProbeConversation, addGenerationPrompt: false);
    }

    static void Refused(Action read)
    {
        try { read(); }
        catch (ModelFormatException) { }
        catch (ChatTemplateException) { }
    }
}
