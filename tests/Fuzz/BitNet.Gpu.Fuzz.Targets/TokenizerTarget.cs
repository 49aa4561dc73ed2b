using System.IO.Compression;
using System.Text;
using BitNet.Gpu.Tokenizers;

namespace BitNet.Gpu.Fuzz;

/// <summary>
/// Encode and decode with real vocabularies: the bundled model's (SentencePiece-style GGUF) and Llama 3's byte-level
/// BPE (the test fixture's tokenizer.json). The first input byte picks the vocabulary and flags; the rest is text
/// (UTF-8, invalid bytes as U+FFFD) and, read as 16-bit numbers, token ids. Nothing may throw, and the documented
/// properties must hold: byte-level text decodes back to itself, streamed or not, and a streamed chunk is always whole
/// characters. A property that fails throws <see cref="FuzzPropertyException"/>, a finding.
/// </summary>
static class TokenizerTarget
{
    static readonly Lazy<Tokenizer> Bundled = new(() => Tokenizer.FromGguf(RepositoryFiles.Path("models", "bitnet-sotu-6m-i2_s.gguf")));

    static readonly Lazy<Tokenizer> Llama3 = new(() =>
    {
        string folder = RepositoryFiles.Path("tests", "BitNet.Gpu.Tests", "TestData", "tokenizers", "llama3-bpe");
        using var json = new GZipStream(File.OpenRead(Path.Combine(folder, "tokenizer.json.gz")), CompressionMode.Decompress);
        using var config = File.OpenRead(Path.Combine(folder, "tokenizer_config.json"));
        return new Tokenizer(HuggingFaceVocabularyReader.Read(json, "tokenizer.json", config, "tokenizer_config.json"));
    });

    public static void Run(byte[] input)
    {
        if (input.Length == 0) return;
        byte flags = input[0];
        bool byteLevel = (flags & 1) != 0, parseSpecial = (flags & 2) != 0, addBos = (flags & 4) != 0, renderSpecial = (flags & 8) != 0;
        var tokenizer = byteLevel ? Llama3.Value : Bundled.Value;
        string text = Encoding.UTF8.GetString(input, 1, input.Length - 1);

        int[] ids = tokenizer.Encode(text, addBos, parseSpecial);
        string decoded = tokenizer.Decode(ids, renderSpecial);
        string streamed = Stream(tokenizer, ids, renderSpecial);
        if (byteLevel && !parseSpecial && !addBos)
        {
            Expect(decoded == text, $"Decode(Encode(text)) is not the text: {Quote(decoded)} for {Quote(text)}");
            Expect(streamed == text, $"the streamed decode is not the text: {Quote(streamed)} for {Quote(text)}");
        }

        // The same bytes as arbitrary token ids.
        var arbitrary = new int[(input.Length - 1) / 2];
        for (int i = 0; i < arbitrary.Length; i++) arbitrary[i] = (input[1 + 2 * i] | input[2 + 2 * i] << 8) % tokenizer.Count;
        tokenizer.Decode(arbitrary, renderSpecial);
        Stream(tokenizer, arbitrary, renderSpecial);
    }

    static string Stream(Tokenizer tokenizer, int[] ids, bool renderSpecial)
    {
        var decoder = tokenizer.CreateStreamingDecoder(renderSpecial);
        var text = new StringBuilder();
        foreach (int id in ids) text.Append(WholeCharacters(decoder.Append(id)));
        text.Append(WholeCharacters(decoder.Flush()));
        return text.ToString();
    }

    static string WholeCharacters(string chunk)
    {
        for (int i = 0; i < chunk.Length; i++)
        {
            if (char.IsHighSurrogate(chunk[i]) && i + 1 < chunk.Length && char.IsLowSurrogate(chunk[i + 1])) { i++; continue; }
            Expect(!char.IsSurrogate(chunk[i]), $"a streamed chunk has a lone surrogate: {Quote(chunk)}");
        }
        return chunk;
    }

    static void Expect(bool property, string failure)
    {
        if (!property) throw new FuzzPropertyException(failure);
    }

    static string Quote(string s) => System.Text.Json.JsonSerializer.Serialize(s.Length > 200 ? s[..200] + "…" : s);
}
