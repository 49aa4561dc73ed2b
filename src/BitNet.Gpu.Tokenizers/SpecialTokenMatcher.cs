namespace BitNet.Gpu.Tokenizers;

/// <summary>
/// Finds special-token texts (like <c>&lt;|eot_id|&gt;</c>) in a string, longest match first, and splits the string into
/// plain-text fragments and special token ids.
/// </summary>
sealed class SpecialTokenMatcher
{
    readonly Dictionary<char, (string Text, int Id)[]> _byFirstChar;

    public SpecialTokenMatcher(IEnumerable<(string Text, int Id)> tokens)
    {
        _byFirstChar = tokens.Where(t => t.Text.Length > 0)
            .GroupBy(t => t.Text[0])
            .ToDictionary(g => g.Key, g => g.OrderByDescending(t => t.Text.Length).ToArray());
    }

    /// <summary>A piece of the input: either text (Id is -1) or one special token.</summary>
    public readonly record struct Fragment(int Start, int Length, int Id)
    {
        public bool IsText => Id < 0;
    }

    public List<Fragment> Split(string text)
    {
        var fragments = new List<Fragment>();
        int textStart = 0;
        for (int i = 0; i < text.Length;)
        {
            if (_byFirstChar.TryGetValue(text[i], out var candidates) && Match(text, i, candidates) is { } match)
            {
                if (i > textStart) fragments.Add(new Fragment(textStart, i - textStart, -1));
                fragments.Add(new Fragment(i, match.Text.Length, match.Id));
                i += match.Text.Length;
                textStart = i;
            }
            else i++;
        }
        if (textStart < text.Length) fragments.Add(new Fragment(textStart, text.Length - textStart, -1));
        return fragments;
    }

    static (string Text, int Id)? Match(string text, int at, (string Text, int Id)[] candidates)
    {
        foreach (var c in candidates)
            if (at + c.Text.Length <= text.Length && string.CompareOrdinal(text, at, c.Text, 0, c.Text.Length) == 0) return c;
        return null;
    }
}
