using BitNet.Gpu.Model;
using BitNet.Gpu.Model.Architectures;
using BitNet.Gpu.Model.Gguf;
using BitNet.Gpu.Tokenizers;

namespace BitNet.Gpu.Fuzz;

/// <summary>
/// The input as a GGUF file: opened (header, metadata, tensor infos, placement), every metadata value formatted, every
/// tensor's bytes touched, then read as a vocabulary (and tokenizer, and chat template) and as a model description.
/// Allowed: <see cref="ModelFormatException"/> and <see cref="ChatTemplateException"/>.
/// </summary>
static class GgufTarget
{
    public static void Run(byte[] input)
    {
        string path = ScratchFile.Write(input, ".gguf");
        GgufFile file;
        try { file = GgufFile.Open(path); }
        catch (ModelFormatException) { return; }
        using (file)
        {
            foreach (var (_, value) in file.Metadata.Entries) _ = value.ToString();
            foreach (var tensor in file.Tensors)
            {
                var bytes = file.GetTensorBytes(tensor);
                if (bytes.Length > 0) _ = bytes[0] + bytes[^1];
            }
            Refused<ModelFormatException>(() => ModelDescriptionReader.Read(file));
            Refused<ModelFormatException>(() =>
            {
                var tokenizer = new Tokenizer(GgufVocabularyReader.Read(file.Metadata, path));
                tokenizer.Decode(tokenizer.Encode("Hello, world!", addBos: true, parseSpecial: true));
                if (tokenizer.Vocabulary.ChatTemplate is not null)
                    Refused<ChatTemplateException>(() => ChatTemplate.FromVocabulary(tokenizer.Vocabulary).Render(ChatTemplate.ProbeConversation, true));
            });
        }
    }

    static void Refused<TException>(Action read) where TException : Exception
    {
        try { read(); }
        catch (TException) { }
    }
}
