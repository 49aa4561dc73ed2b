using System.Text.Json;

namespace BitNet.Gpu.Engine.Sampling;

/// <summary>
/// uniqueItems over scalar items: each item's value as a 64-bit hash (FNV-1a), folded as the item is read, so equal
/// values written differently hash alike: a string by its characters however they are escaped, an integer by its
/// digits (−0 as 0), and true, false and null. <see cref="JsonSchemaPrefix"/> keeps the hashes of an array's items in
/// an immutable set and refuses an item whose hash is in it. Two different values with the same hash would refuse the
/// later one: a narrower output (at odds of about n²/2⁶⁴ for n items), never a duplicate.
/// </summary>
internal static class UniqueValues
{
    const ulong Basis = 14695981039346656037, Prime = 1099511628211;

    public static readonly ulong True = Fold(Basis, 't'), False = Fold(Basis, 'f'), Null = Fold(Basis, 'n');
    public static readonly ulong StringStart = Fold(Basis, 's'), IntegerStart = Fold(Basis, 'i');
    static readonly ulong Zero = Fold(IntegerStart, '0');

    /// <summary>The hash with one more character (a code point) or digit.</summary>
    public static ulong Fold(ulong hash, int value) => (hash ^ (uint)value) * Prime;

    /// <summary>A finished integer: its digits' hash with its sign, except for zero, which has none.</summary>
    public static ulong EndInteger(ulong digits, bool negative) => digits == Zero || !negative ? digits : Fold(digits, '-');

    /// <summary>An enum value's hash (its compact JSON text), as reading it would fold it; null for a number with a fraction or an exponent.</summary>
    public static ulong? OfLiteral(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var value = document.RootElement;
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                ulong hash = StringStart;
                foreach (var rune in value.GetString()!.EnumerateRunes()) hash = Fold(hash, rune.Value);
                return hash;
            case JsonValueKind.Number:
                string text = value.GetRawText();
                if (text.AsSpan().IndexOfAny(".eE") >= 0) return null;
                ulong digits = IntegerStart;
                foreach (char digit in text.TrimStart('-')) digits = Fold(digits, digit);
                return EndInteger(digits, text.StartsWith('-'));
            case JsonValueKind.True: return True;
            case JsonValueKind.False: return False;
            default: return Null;
        }
    }
}
