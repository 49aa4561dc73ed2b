using System.Globalization;
using System.Text;

namespace BitNet.Gpu.Tokenizers;

/// <summary>Unicode helpers that work on code points, not UTF-16 units, so letters outside the BMP classify correctly.</summary>
static class CodePoints
{
    /// <summary>The code points of <paramref name="text"/>; a lone surrogate becomes U+FFFD (the same as UTF-8 encoding does).</summary>
    public static int[] From(ReadOnlySpan<char> text)
    {
        var result = new int[text.Length];
        int count = 0;
        int i = 0;
        while (i < text.Length)
        {
            Rune.DecodeFromUtf16(text[i..], out Rune rune, out int used); // invalid -> U+FFFD, used = 1
            result[count++] = rune.Value;
            i += used;
        }
        return result.AsSpan(0, count).ToArray();
    }

    public static bool IsLetter(int cp) => Rune.IsLetter(new Rune(cp));

    public static bool IsNumber(int cp) => Rune.GetUnicodeCategory(new Rune(cp)) is
        UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;

    /// <summary>Unicode White_Space, which is what <c>\s</c> means in the tokenizer regexes.</summary>
    public static bool IsWhiteSpace(int cp) => Rune.IsWhiteSpace(new Rune(cp));

    public static bool IsNewline(int cp) => cp is '\r' or '\n';

    public static void AppendUtf8(List<byte> output, ReadOnlySpan<int> codePoints)
    {
        Span<byte> buffer = stackalloc byte[4];
        foreach (int cp in codePoints)
        {
            int n = new Rune(cp).EncodeToUtf8(buffer);
            for (int i = 0; i < n; i++) output.Add(buffer[i]);
        }
    }
}
