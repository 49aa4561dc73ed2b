using System.Numerics;

namespace BitNet.Gpu.Cli.Parsing;

/// <summary>What an option's value type accepts, in words, for parse errors ("an integer from -2147483648 to 2147483647").</summary>
public static class ValueKind
{
    /// <summary>The words for <paramref name="type"/>, or null for text (any token is a valid string).</summary>
    public static string? Describe(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? (type.IsArray ? type.GetElementType()! : type);
        if (type == typeof(string)) return null;
        if (type == typeof(bool)) return "true or false";
        if (type.IsEnum) return $"one of {string.Join(", ", Enum.GetNames(type).Select(n => n.ToLowerInvariant()))}";
        if (type == typeof(float) || type == typeof(double) || type == typeof(decimal)) return "a number";
        return IntegerRange(type) is var (min, max)
            ? (min < 0 ? $"an integer from {min} to {max}" : $"a whole number from {min} to {max}")
            : $"a {type.Name.ToLowerInvariant()}";
    }

    static (BigInteger Min, BigInteger Max)? IntegerRange(Type type) => Type.GetTypeCode(type) switch
    {
        TypeCode.SByte => (sbyte.MinValue, sbyte.MaxValue),
        TypeCode.Byte => (byte.MinValue, byte.MaxValue),
        TypeCode.Int16 => (short.MinValue, short.MaxValue),
        TypeCode.UInt16 => (ushort.MinValue, ushort.MaxValue),
        TypeCode.Int32 => (int.MinValue, int.MaxValue),
        TypeCode.UInt32 => (uint.MinValue, uint.MaxValue),
        TypeCode.Int64 => (long.MinValue, long.MaxValue),
        TypeCode.UInt64 => (ulong.MinValue, ulong.MaxValue),
        _ => null,
    };
}
