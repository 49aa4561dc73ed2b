using System.Text;

namespace BitNet.Gpu.Tokenizers;

/// <summary>
/// Turns generated token ids into text as they arrive. A token that ends inside a UTF-8 character is held back until the
/// character is complete, so the text returned is always whole characters; invalid byte sequences come out as U+FFFD.
/// </summary>
public sealed class StreamingDecoder
{
    readonly Tokenizer _tokenizer;
    readonly bool _renderSpecial;
    readonly Decoder _utf8 = new UTF8Encoding(false, false).GetDecoder(); // keeps an incomplete character between calls
    bool _stripLeadingSpace;

    internal StreamingDecoder(Tokenizer tokenizer, bool renderSpecial, bool stripLeadingSpace)
    {
        _tokenizer = tokenizer;
        _renderSpecial = renderSpecial;
        _stripLeadingSpace = stripLeadingSpace;
    }

    /// <summary>Adds one token; returns the text completed by it (empty while a character is incomplete).</summary>
    public string Append(int id)
    {
        ReadOnlySpan<byte> bytes = _tokenizer.VisiblePiece(id, _renderSpecial);
        if (bytes.Length == 0) return "";
        if (_stripLeadingSpace)
        {
            if (bytes[0] == (byte)' ') bytes = bytes[1..];
            _stripLeadingSpace = false;
        }
        return Convert(bytes, flush: false);
    }

    /// <summary>Ends the stream: returns what is still held back, an incomplete character as U+FFFD.</summary>
    public string Flush() => Convert([], flush: true);

    string Convert(ReadOnlySpan<byte> bytes, bool flush)
    {
        var chars = new char[_utf8.GetCharCount(bytes, flush: false) + 8];
        int n = _utf8.GetChars(bytes, chars, flush);
        return new string(chars, 0, n);
    }
}
