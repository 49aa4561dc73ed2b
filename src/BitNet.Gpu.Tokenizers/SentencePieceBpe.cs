using System.Text;

namespace BitNet.Gpu.Tokenizers;

/// <summary>
/// SentencePiece-style BPE (<c>tokenizer.ggml.model = llama</c>, the 1bitLLM models): spaces become ▁, the text starts as
/// one symbol per character, and the adjacent pair whose concatenation is the highest-scoring piece is merged until no
/// pair is a piece. A character left that is not a piece is spelled with byte tokens <c>&lt;0xNN&gt;</c>, else &lt;unk&gt;.
/// </summary>
sealed class SentencePieceBpe
{
    public const char SpaceMark = '\u2581'; // ▁

    readonly Dictionary<string, int> _pieceToId;
    readonly float[] _scores;
    readonly int[] _byteToId = new int[256]; // -1 where the vocabulary has no <0xNN>
    readonly int _unknownId;

    public SentencePieceBpe(Vocabulary vocabulary)
    {
        _pieceToId = new Dictionary<string, int>(vocabulary.Count, StringComparer.Ordinal);
        _scores = new float[vocabulary.Count];
        _unknownId = -1;
        Array.Fill(_byteToId, -1);
        for (int id = 0; id < vocabulary.Count; id++)
        {
            string piece = vocabulary.Tokens[id];
            TokenType type = vocabulary.TokenTypes[id];
            _scores[id] = vocabulary.Scores?[id] ?? -id; // without scores, earlier pieces win, as in SentencePiece's BPE order
            if (type == TokenType.Byte && TryParseByteToken(piece, out byte b)) _byteToId[b] = id;
            else if (type == TokenType.Unknown && _unknownId < 0) _unknownId = id;
            else if (type is TokenType.Normal or TokenType.Undefined or TokenType.UserDefined) _pieceToId.TryAdd(piece, id);
        }
        // Every text must encode: a character that is no piece is spelled in byte tokens, or becomes the unknown token.
        int missing = Array.IndexOf(_byteToId, -1);
        if (missing >= 0 && _unknownId < 0)
            throw new BitNet.Gpu.Model.ModelFormatException(vocabulary.Source,
                $"SentencePiece vocabulary has no byte token <0x{missing:X2}> and no unknown token, so text with that byte cannot be encoded");
    }

    /// <summary>Parses <c>&lt;0xNN&gt;</c>.</summary>
    public static bool TryParseByteToken(string piece, out byte value)
    {
        value = 0;
        return piece.Length == 6 && piece.StartsWith("<0x", StringComparison.Ordinal) && piece[5] == '>'
            && byte.TryParse(piece.AsSpan(3, 2), System.Globalization.NumberStyles.HexNumber, null, out value);
    }

    /// <summary>Appends the ids of a text fragment; <paramref name="addSpacePrefix"/> puts ▁ before it (start of text).</summary>
    public void Encode(ReadOnlySpan<int> codePoints, bool addSpacePrefix, List<int> ids)
    {
        var text = new StringBuilder(codePoints.Length + 1);
        if (addSpacePrefix) text.Append(SpaceMark);
        foreach (int cp in codePoints) text.Append(cp == ' ' ? SpaceMark.ToString() : char.ConvertFromUtf32(cp));
        string s = text.ToString();
        if (s.Length == 0) return;

        // Symbols are (start, length) substrings of s in a linked list, one per code point to begin with.
        var start = new List<int>();
        for (int i = 0; i < s.Length; i += char.IsSurrogatePair(s, i) ? 2 : 1) start.Add(i);
        int n = start.Count;
        var length = new int[n];
        var next = new int[n];
        var prev = new int[n];
        for (int i = 0; i < n; i++)
        {
            length[i] = (i + 1 < n ? start[i + 1] : s.Length) - start[i];
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
        }

        // Highest score first; ties go to the leftmost pair.
        var queue = new PriorityQueue<(int Left, int Length), (float NegScore, int Left)>();
        void Enqueue(int left)
        {
            if (left < 0 || next[left] < 0) return;
            int combined = length[left] + length[next[left]];
            if (_pieceToId.TryGetValue(s.Substring(start[left], combined), out int id))
                queue.Enqueue((left, combined), (-_scores[id], left));
        }
        for (int i = 0; i + 1 < n; i++) Enqueue(i);

        while (queue.TryDequeue(out var pair, out _))
        {
            int left = pair.Left, right = next[left];
            if (length[left] == 0 || right < 0 || length[left] + length[right] != pair.Length) continue; // stale
            length[left] = pair.Length;
            length[right] = 0;
            next[left] = next[right];
            if (next[left] >= 0) prev[next[left]] = left;
            Enqueue(prev[left]);
            Enqueue(left);
        }

        for (int i = 0; i >= 0; i = next[i])
        {
            string symbol = s.Substring(start[i], length[i]);
            if (_pieceToId.TryGetValue(symbol, out int id)) ids.Add(id);
            else AddByteFallback(symbol, ids);
        }
    }

    void AddByteFallback(string symbol, List<int> ids)
    {
        foreach (byte b in Encoding.UTF8.GetBytes(symbol))
        {
            if (_byteToId[b] >= 0) ids.Add(_byteToId[b]);
            else if (_unknownId >= 0) { ids.Add(_unknownId); return; }
            else throw new InvalidOperationException($"byte 0x{b:X2} has no token (the constructor checks for this)");
        }
    }
}
