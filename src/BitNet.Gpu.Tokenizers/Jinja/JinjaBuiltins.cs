using System.Text;
using System.Text.Json;

namespace BitNet.Gpu.Tokenizers.Jinja;

/// <summary>The filters, tests and string methods chat templates use.</summary>
static class JinjaBuiltins
{
    public static object? ApplyFilter(string name, object? value, IReadOnlyList<object?> args) => name switch
    {
        "trim" => Text(value, name).Trim(),
        "capitalize" => Text(value, name) is { Length: > 0 } s ? char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant() : "",
        "upper" => Text(value, name).ToUpperInvariant(),
        "lower" => Text(value, name).ToLowerInvariant(),
        "title" => string.Join(' ', Text(value, name).Split(' ').Select(w => w.Length > 0 ? char.ToUpperInvariant(w[0]) + w[1..].ToLowerInvariant() : w)),
        "string" => JinjaValues.ToText(value),
        "length" or "count" => value switch
        {
            string s => (long)s.Length,
            System.Collections.ICollection c => (long)c.Count,
            _ => throw new ChatTemplateException($"filter 'length' needs a string or list, not {JinjaValues.TypeName(value)}"),
        },
        "first" => JinjaValues.Iterate(value).FirstOrDefault(JinjaValues.Undefined),
        "last" => JinjaValues.Iterate(value).LastOrDefault(JinjaValues.Undefined),
        "default" or "d" => value == JinjaValues.Undefined ? args.FirstOrDefault(JinjaValues.Undefined) : value,
        "join" => Join(JinjaValues.Iterate(value), args.Count > 0 ? JinjaValues.ToText(args[0]) : ""),
        "tojson" => ToJson(value),
        _ => throw new ChatTemplateException($"unsupported filter '{name}'"),
    };

    public static bool ApplyTest(string name, object? value) => name switch
    {
        "defined" => value != JinjaValues.Undefined,
        "undefined" => value == JinjaValues.Undefined,
        "none" => value is null,
        "string" => value is string,
        "number" or "integer" => value is long,
        "boolean" => value is bool,
        "mapping" => value is IDictionary<string, object?>,
        "iterable" or "sequence" => value is string or IReadOnlyList<object?> or IDictionary<string, object?>,
        "true" => value is true,
        "false" => value is false,
        _ => throw new ChatTemplateException($"unsupported test '{name}'"),
    };

    /// <summary>Python string methods (<c>content.strip()</c>), bound to their string; null when there is none.</summary>
    public static JinjaFunction? Method(object? target, string name)
    {
        if (target is not string s) return null;
        string Arg(IReadOnlyList<object?> a) => a.Count > 0 ? JinjaValues.ToText(a[0]) : throw new ChatTemplateException($"'{name}' needs an argument");
        char[]? Chars(IReadOnlyList<object?> a) => a.Count > 0 && a[0] is string c ? c.ToCharArray() : null;
        return name switch
        {
            "strip" => (a, _) => Chars(a) is { } c ? s.Trim(c) : s.Trim(),
            "lstrip" => (a, _) => Chars(a) is { } c ? s.TrimStart(c) : s.TrimStart(),
            "rstrip" => (a, _) => Chars(a) is { } c ? s.TrimEnd(c) : s.TrimEnd(),
            "upper" => (_, _) => s.ToUpperInvariant(),
            "lower" => (_, _) => s.ToLowerInvariant(),
            "startswith" => (a, _) => s.StartsWith(Arg(a), StringComparison.Ordinal),
            "endswith" => (a, _) => s.EndsWith(Arg(a), StringComparison.Ordinal),
            "replace" => (a, _) => a.Count == 2 ? Replace(s, JinjaValues.ToText(a[0]), JinjaValues.ToText(a[1]))
                : throw new ChatTemplateException("'replace' needs two arguments"),
            "split" => (a, _) => (a.Count > 0 ? s.Split(Arg(a)) : s.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).Select(x => (object?)x).ToList(),
            _ => null,
        };
    }

    static string Join(IEnumerable<object?> items, string separator)
    {
        var text = new StringBuilder();
        bool first = true;
        foreach (var item in items)
        {
            string piece = JinjaValues.ToText(item);
            JinjaLimits.CheckLength((long)text.Length + separator.Length + piece.Length);
            if (!first) text.Append(separator);
            text.Append(piece);
            first = false;
        }
        return text.ToString();
    }

    // Python's str.replace: an empty old string matches between every character and at both ends.
    static string Replace(string s, string old, string replacement)
    {
        long matches = old.Length == 0 ? s.Length + 1L : Count(s, old);
        JinjaLimits.CheckLength(s.Length + matches * (replacement.Length - old.Length));
        if (old.Length > 0) return s.Replace(old, replacement, StringComparison.Ordinal);
        var text = new StringBuilder(replacement);
        foreach (char c in s) text.Append(c).Append(replacement);
        return text.ToString();
    }

    static long Count(string s, string part)
    {
        long count = 0;
        for (int i = s.IndexOf(part, StringComparison.Ordinal); i >= 0; i = s.IndexOf(part, i + part.Length, StringComparison.Ordinal)) count++;
        return count;
    }

    static string Text(object? value, string filter) => value switch
    {
        string s => s,
        _ when value == JinjaValues.Undefined => "",
        _ => throw new ChatTemplateException($"filter '{filter}' needs a string, not {JinjaValues.TypeName(value)}"),
    };

    /// <summary>
    /// The value as JSON. Values nested deeper than <see cref="JinjaLimits.MaxNesting"/> (a namespace can hold itself) and
    /// text longer than <see cref="JinjaLimits.MaxLength"/> are refused.
    /// </summary>
    public static string ToJson(object? value)
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions
               {
                   Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
                   MaxDepth = JinjaLimits.MaxNesting + 1,
               }))
            Write(writer, value, 0);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    static void Write(Utf8JsonWriter w, object? value, int depth)
    {
        if (depth > JinjaLimits.MaxNesting)
            throw new ChatTemplateException($"a value nests deeper than the limit of {JinjaLimits.MaxNesting} levels");
        JinjaLimits.CheckLength(w.BytesCommitted + w.BytesPending);
        switch (value)
        {
            case null: w.WriteNullValue(); break;
            case bool b: w.WriteBooleanValue(b); break;
            case long n: w.WriteNumberValue(n); break;
            case string s: w.WriteStringValue(WellFormed(s)); break;
            case IDictionary<string, object?> d:
                w.WriteStartObject();
                foreach (var (k, v) in d) { w.WritePropertyName(WellFormed(k)); Write(w, v, depth + 1); }
                w.WriteEndObject();
                break;
            case IReadOnlyList<object?> list:
                w.WriteStartArray();
                foreach (var item in list) Write(w, item, depth + 1);
                w.WriteEndArray();
                break;
            default: w.WriteNullValue(); break;
        }
    }

    // A string cut between the halves of a surrogate pair (by indexing or looping over characters) has a lone surrogate,
    // which UTF-8 JSON text cannot hold: it is written as U+FFFD.
    static string WellFormed(string s) =>
        s.AsSpan().ContainsAnyInRange('\uD800', '\uDFFF') ? Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(s)) : s;
}
