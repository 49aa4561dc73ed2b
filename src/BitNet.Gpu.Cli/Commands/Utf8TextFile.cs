using System.Text;

namespace BitNet.Gpu.Cli.Commands;

/// <summary>
/// Reads a text file the user named (a prompt, a perplexity text, a chat template) as its exact UTF-8 bytes: no
/// byte-order mark is dropped (llama.cpp reads files the same way) and invalid UTF-8 is an error naming the file and the
/// byte, not text quietly changed into replacement characters.
/// </summary>
public static class Utf8TextFile
{
    static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static string Read(string path)
    {
        if (!File.Exists(path)) throw new InputFileException($"{path}: no such file");
        var bytes = File.ReadAllBytes(path);
        try
        {
            return Strict.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new InputFileException($"{path}: not valid UTF-8 (at byte {e.Index})");
        }
    }
}
