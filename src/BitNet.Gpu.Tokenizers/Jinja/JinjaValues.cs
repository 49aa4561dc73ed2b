using System.Globalization;

namespace BitNet.Gpu.Tokenizers.Jinja;

/// <summary>Jinja's (Python's) rules for the values templates handle: truth, text, item access, operators.</summary>
static class JinjaValues
{
    /// <summary>A missing variable, key or attribute: renders empty, is false, and its own members are undefined too.</summary>
    public static readonly object Undefined = new UndefinedValue();

    sealed class UndefinedValue { public override string ToString() => ""; }

    public static bool IsTrue(object? v) => v switch
    {
        null => false,
        UndefinedValue => false,
        bool b => b,
        long n => n != 0,
        string s => s.Length > 0,
        System.Collections.ICollection c => c.Count > 0,
        _ => true,
    };

    public static string ToText(object? v) => v switch
    {
        null => "None",
        UndefinedValue => "",
        bool b => b ? "True" : "False",
        long n => n.ToString(CultureInfo.InvariantCulture),
        string s => s,
        _ => JinjaBuiltins.ToJson(v),
    };

    public static IEnumerable<object?> Iterate(object? v) => v switch
    {
        null or UndefinedValue => [],
        string s => s.Select(c => (object?)c.ToString()),
        IReadOnlyList<object?> list => list,
        IDictionary<string, object?> d => d.Keys,
        _ => throw new ChatTemplateException($"cannot loop over {TypeName(v)}"),
    };

    public static object? Member(object? target, string member)
    {
        if (target is IDictionary<string, object?> d) return d.TryGetValue(member, out var value) ? value : Undefined;
        return JinjaBuiltins.Method(target, member) ?? Undefined;
    }

    public static object? Item(object? target, object? key) => (target, key) switch
    {
        (IDictionary<string, object?> d, string k) => d.TryGetValue(k, out var value) ? value : Undefined,
        (IReadOnlyList<object?> list, long i) => Position(i, list.Count) is { } p ? list[p] : Undefined,
        (string s, long i) => Position(i, s.Length) is { } p ? s[p].ToString() : Undefined,
        (UndefinedValue, _) => Undefined,
        _ => throw new ChatTemplateException($"cannot index {TypeName(target)} with {TypeName(key)}"),
    };

    static int? Position(long index, int count)
    {
        long p = index < 0 ? index + count : index;
        return p >= 0 && p < count ? (int)p : null;
    }

    public static object? Slice(object? target, object? start, object? stop)
    {
        int Bound(object? value, int count, int fallback) => value switch
        {
            null => fallback,
            long n => (int)Math.Clamp(n < 0 ? n + count : n, 0, count),
            _ => throw new ChatTemplateException($"slice bound must be an integer, not {TypeName(value)}"),
        };
        switch (target)
        {
            case IReadOnlyList<object?> list:
            {
                int a = Bound(start, list.Count, 0), b = Bound(stop, list.Count, list.Count);
                return list.Skip(a).Take(Math.Max(0, b - a)).ToList();
            }
            case string s:
            {
                int a = Bound(start, s.Length, 0), b = Bound(stop, s.Length, s.Length);
                return b > a ? s[a..b] : "";
            }
            default: throw new ChatTemplateException($"cannot slice {TypeName(target)}");
        }
    }

    public static object? Negate(object? v) => v is long n ? -n : throw new ChatTemplateException($"cannot negate {TypeName(v)}");

    public static object? BinaryOp(string op, object? left, object? right) => op switch
    {
        "==" => AreEqual(left, right),
        "!=" => !AreEqual(left, right),
        "in" => Contains(right, left),
        "~" => Concatenate(ToText(left), ToText(right)),
        "+" => (left, right) switch
        {
            (long a, long b) => a + b,
            (string a, string b) => Concatenate(a, b),
            (IReadOnlyList<object?> a, IReadOnlyList<object?> b) => Concatenate(a, b),
            _ => throw new ChatTemplateException($"cannot add {TypeName(left)} and {TypeName(right)}"),
        },
        _ when left is long a && right is long b => op switch
        {
            "-" => a - b, "*" => a * b,
            "/" or "//" => b == 0 ? throw new ChatTemplateException("division by zero") : b == -1 ? unchecked(-a) : a / b,
            "%" => b == 0 ? throw new ChatTemplateException("division by zero") : b == -1 ? 0L : unchecked((a % b + b) % b),
            "<" => a < b, ">" => a > b, "<=" => a <= b, ">=" => a >= b,
            _ => throw new ChatTemplateException($"unsupported operator '{op}'"),
        },
        "<" or ">" or "<=" or ">=" when left is string a && right is string b => op switch
        {
            "<" => string.CompareOrdinal(a, b) < 0, ">" => string.CompareOrdinal(a, b) > 0,
            "<=" => string.CompareOrdinal(a, b) <= 0, _ => string.CompareOrdinal(a, b) >= 0,
        },
        _ => throw new ChatTemplateException($"cannot apply '{op}' to {TypeName(left)} and {TypeName(right)}"),
    };

    static string Concatenate(string a, string b)
    {
        JinjaLimits.CheckLength((long)a.Length + b.Length);
        return a + b;
    }

    static List<object?> Concatenate(IReadOnlyList<object?> a, IReadOnlyList<object?> b)
    {
        JinjaLimits.CheckLength((long)a.Count + b.Count);
        return [.. a, .. b];
    }

    static bool AreEqual(object? a, object? b) => (a, b) switch
    {
        (UndefinedValue, UndefinedValue) => true,
        (UndefinedValue, _) or (_, UndefinedValue) => false,
        _ => Equals(a, b),
    };

    static bool Contains(object? container, object? item) => container switch
    {
        string s => item is string sub ? s.Contains(sub, StringComparison.Ordinal) : throw new ChatTemplateException("'in <string>' needs a string"),
        IDictionary<string, object?> d => item is string k && d.ContainsKey(k),
        IReadOnlyList<object?> list => list.Any(x => AreEqual(x, item)),
        UndefinedValue or null => false,
        _ => throw new ChatTemplateException($"cannot test membership in {TypeName(container)}"),
    };

    public static string TypeName(object? v) => v switch
    {
        null => "none",
        UndefinedValue => "an undefined value",
        bool => "a boolean",
        long => "an integer",
        string => "a string",
        IDictionary<string, object?> => "a mapping",
        IReadOnlyList<object?> => "a list",
        JinjaFunction => "a function",
        _ => v.GetType().Name,
    };
}
