using static BitNet.Gpu.Tokenizers.CodePoints;

namespace BitNet.Gpu.Tokenizers;

/// <summary>
/// Splits text into words the way Llama 3's pre-tokenizer regex does, on code points:
/// <code>(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+</code>
/// Each alternative is one method below, tried in the regex's order. Falcon3 uses the same pattern.
/// Written by hand because .NET's Regex classifies UTF-16 units, so a letter outside the BMP would not match \p{L}.
/// </summary>
static class Llama3PreTokenizer
{
    /// <summary>Appends (start, length) of each word to <paramref name="words"/>, in order, covering all of <paramref name="cps"/>.</summary>
    public static void Split(ReadOnlySpan<int> cps, List<(int Start, int Length)> words)
    {
        int pos = 0;
        while (pos < cps.Length)
        {
            int length = Contraction(cps, pos);
            if (length == 0) length = OptionalPrefixThenLetters(cps, pos);
            if (length == 0) length = UpToThreeDigits(cps, pos);
            if (length == 0) length = OptionalSpaceThenPunctuation(cps, pos);
            if (length == 0) length = WhitespaceEndingInNewlines(cps, pos);
            if (length == 0) length = WhitespaceNotBeforeNonSpace(cps, pos);
            if (length == 0) length = Whitespace(cps, pos);
            if (length == 0) length = 1; // unreachable: every code point is a letter, digit, space or other
            words.Add((pos, length));
            pos += length;
        }
    }

    static int Lower(int cp) => cp is >= 'A' and <= 'Z' ? cp + 32 : cp;

    // (?i:'s|'t|'re|'ve|'m|'ll|'d)
    static int Contraction(ReadOnlySpan<int> cps, int pos)
    {
        if (cps[pos] != '\'' || pos + 1 >= cps.Length) return 0;
        int a = Lower(cps[pos + 1]);
        if (a is 's' or 't' or 'm' or 'd') return 2;
        if (pos + 2 >= cps.Length) return 0;
        int b = Lower(cps[pos + 2]);
        return (a, b) is ('r', 'e') or ('v', 'e') or ('l', 'l') ? 3 : 0;
    }

    // [^\r\n\p{L}\p{N}]?\p{L}+
    static int OptionalPrefixThenLetters(ReadOnlySpan<int> cps, int pos)
    {
        int start = pos;
        int cp = cps[pos];
        if (!IsLetter(cp))
        {
            if (IsNewline(cp) || IsNumber(cp) || pos + 1 >= cps.Length || !IsLetter(cps[pos + 1])) return 0;
            pos++;
        }
        while (pos < cps.Length && IsLetter(cps[pos])) pos++;
        return pos - start;
    }

    // \p{N}{1,3}
    static int UpToThreeDigits(ReadOnlySpan<int> cps, int pos)
    {
        int n = 0;
        while (n < 3 && pos + n < cps.Length && IsNumber(cps[pos + n])) n++;
        return n;
    }

    static bool IsPunctuationLike(int cp) => !IsWhiteSpace(cp) && !IsLetter(cp) && !IsNumber(cp);

    // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
    static int OptionalSpaceThenPunctuation(ReadOnlySpan<int> cps, int pos)
    {
        int start = pos;
        if (cps[pos] == ' ') pos++;
        int runStart = pos;
        while (pos < cps.Length && IsPunctuationLike(cps[pos])) pos++;
        if (pos == runStart) return 0;
        while (pos < cps.Length && IsNewline(cps[pos])) pos++;
        return pos - start;
    }

    static int WhitespaceRunEnd(ReadOnlySpan<int> cps, int pos)
    {
        while (pos < cps.Length && IsWhiteSpace(cps[pos])) pos++;
        return pos;
    }

    // \s*[\r\n]+ : the greedy \s* backs off to the last newline of the whitespace run.
    static int WhitespaceEndingInNewlines(ReadOnlySpan<int> cps, int pos)
    {
        int end = WhitespaceRunEnd(cps, pos);
        for (int last = end - 1; last >= pos; last--)
            if (IsNewline(cps[last])) return last + 1 - pos;
        return 0;
    }

    // \s+(?!\S) : the whole run at the end of text, else the run minus its last space (that one joins the next word).
    static int WhitespaceNotBeforeNonSpace(ReadOnlySpan<int> cps, int pos)
    {
        int end = WhitespaceRunEnd(cps, pos);
        if (end == pos) return 0;
        if (end == cps.Length) return end - pos;
        return end - 1 - pos;
    }

    // \s+
    static int Whitespace(ReadOnlySpan<int> cps, int pos) => WhitespaceRunEnd(cps, pos) - pos;
}
