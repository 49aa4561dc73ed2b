using System.Text;

namespace BitNet.Gpu.Tests.Tokenizers;

/// <summary>Seeded random Unicode text mixing scripts, emoji, digits, punctuation and all kinds of whitespace.</summary>
static class RandomText
{
    static readonly (int From, int To)[] Ranges =
    [
        (0x20, 0x7E), (0x20, 0x7E), (0x20, 0x7E), // ASCII, weighted
        (0xA0, 0x24F),      // Latin-1 and Latin Extended
        (0x300, 0x36F),     // combining marks
        (0x370, 0x3FF),     // Greek
        (0x400, 0x4FF),     // Cyrillic
        (0x600, 0x6FF),     // Arabic
        (0x900, 0x97F),     // Devanagari
        (0x1780, 0x17FF),   // Khmer
        (0x2000, 0x206F),   // general punctuation and Unicode spaces
        (0x3000, 0x30FF),   // CJK punctuation, kana
        (0x4E00, 0x9FFF),   // CJK ideographs
        (0xFF00, 0xFFEF),   // fullwidth forms
        (0x1D400, 0x1D7FF), // mathematical letters (outside the BMP)
        (0x1F300, 0x1FAFF), // emoji
    ];

    static readonly string[] Specials = ["\n", "\r\n", "\t", "  ", "'s", "'LL", "123456", "\u00A0", "\u3000", " \n "];

    public static string Generate(Random random, int maxLength)
    {
        var text = new StringBuilder();
        int length = random.Next(0, maxLength + 1);
        for (int i = 0; i < length; i++)
        {
            if (random.Next(6) == 0) { text.Append(Specials[random.Next(Specials.Length)]); continue; }
            var (from, to) = Ranges[random.Next(Ranges.Length)];
            int cp = random.Next(from, to + 1);
            if (cp is >= 0xD800 and <= 0xDFFF) continue;
            text.Append(char.ConvertFromUtf32(cp));
        }
        return text.ToString();
    }

    public static bool IsWellFormed(string s)
    {
        for (int i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) { i++; continue; }
            if (char.IsSurrogate(s[i])) return false;
        }
        return true;
    }
}
