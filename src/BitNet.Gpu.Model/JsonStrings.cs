using System.Text.Json;

namespace BitNet.Gpu.Model;

/// <summary>
/// Checks that the strings and property names of a parsed JSON document can be read: an escaped lone surrogate
/// (<c>"\uDDDD"</c>) parses, but reading that string throws <see cref="InvalidOperationException"/> wherever a reader
/// happens to read it. Documents are walked only when their text has such an escape at all.
/// </summary>
public static class JsonStrings
{
    /// <summary>Throws <see cref="ModelFormatException"/> naming <paramref name="path"/> and the JSON location of an unreadable string.</summary>
    /// <param name="utf8">The document's text, for the quick check that it escapes a surrogate anywhere.</param>
    public static void CheckReadable(ReadOnlySpan<byte> utf8, JsonElement root, string path)
    {
        if (EscapesASurrogate(utf8)) Check(root, path, "(root)");
    }

    // Looks for \uD800..\uDFFF (any case); a false positive only costs the walk.
    static bool EscapesASurrogate(ReadOnlySpan<byte> utf8)
    {
        for (int at = utf8.IndexOf("\\u"u8); at >= 0 && at + 3 < utf8.Length; )
        {
            if (utf8[at + 2] is (byte)'d' or (byte)'D' && utf8[at + 3] is >= (byte)'8' and <= (byte)'9' or >= (byte)'a' and <= (byte)'f' or >= (byte)'A' and <= (byte)'F')
                return true;
            int next = utf8[(at + 2)..].IndexOf("\\u"u8);
            at = next < 0 ? -1 : at + 2 + next;
        }
        return false;
    }

    // The document's depth is bounded by its reader's MaxDepth, so this recursion is too.
    static void Check(JsonElement element, string path, string where)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                Read(() => element.GetString(), path, where);
                break;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    string name = Read(() => property.Name, path, where + " (a property name)");
                    Check(property.Value, path, $"{where}.{name}");
                }
                break;
            case JsonValueKind.Array:
                int i = 0;
                foreach (var item in element.EnumerateArray()) Check(item, path, $"{where}[{i++}]");
                break;
        }
    }

    static string Read(Func<string?> read, string path, string where)
    {
        try { return read() ?? ""; }
        catch (InvalidOperationException e)
        {
            throw new ModelFormatException(path, $"{where}: a string escapes a lone surrogate, which is not text ({e.Message})", null, e);
        }
    }
}
