using System.Text.Json;

namespace BitNet.Gpu.Engine.Sampling;

/// <summary>Bounds on numbers: minimum, maximum and their exclusive forms, for integers and for numbers that may have a fraction.</summary>
internal sealed partial class JsonSchemaCompiler
{
    static readonly string[] BoundKeywords = ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"];

    /// <summary>
    /// minimum, maximum, exclusiveMinimum, exclusiveMaximum: held digit by digit, for integers and for numbers that may
    /// have a fraction. A bound may also be a string holding a JSON number, as Microsoft.Extensions.AI writes a
    /// decimal's [Range] ("minimum": "0.5").
    /// </summary>
    static void ReadNumberBounds(JsonSchemaNode node, JsonElement schema, string pointer)
    {
        var bounds = new Dictionary<string, JsonElement>();
        foreach (string keyword in BoundKeywords)
            if (schema.TryGetProperty(keyword, out var value))
                bounds[keyword] = AsNumber(value) ?? throw Malformed(pointer, keyword, "must be a number");
        bool decimalPlaces = node.DecimalPlaces < DecimalReader.MaxFractionDigits;
        if (bounds.Count == 0 && !decimalPlaces) return;
        if ((node.Types & JsonTypes.Number) != 0) ReadDecimalBounds(node, bounds, pointer);
        else ReadIntegerBounds(node, bounds, pointer);
    }

    /// <summary>A number, or a string that holds one JSON number; else null.</summary>
    internal static JsonElement? AsNumber(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Number) return value;
        if (value.ValueKind != JsonValueKind.String || value.GetString() is not { Length: > 0 and <= 64 } text) return null;
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.ValueKind == JsonValueKind.Number ? document.RootElement.Clone() : null;
        }
        catch (JsonException) { return null; }
    }

    /// <summary>
    /// multipleOf, held where it is a whole number: digit by digit, as the bounds are. A number held to a whole step is
    /// written as an integer (no fraction or exponent). A step of a power of ten below 1 (0.01, as Pydantic writes
    /// multiple_of=0.01 for an amount of money) holds a number to that many decimals: it is then written without an
    /// exponent, with at most that many decimals, and every integer is a multiple. Any other fraction (0.25) is refused,
    /// but where only integers are allowed and the step divides 1.
    /// </summary>
    static void ReadMultipleOf(JsonSchemaNode node, JsonElement schema, string pointer)
    {
        if (!schema.TryGetProperty("multipleOf", out var value)) return;
        var number = AsNumber(value) ?? throw Malformed(pointer, "multipleOf", "must be a number");
        if (number.GetDouble() <= 0) throw Malformed(pointer, "multipleOf", "must be greater than 0");
        if ((node.Types & (JsonTypes.Number | JsonTypes.Integer)) == 0) return; // it constrains numbers only
        if (number.TryGetDecimal(out decimal step) && DecimalPlacesOf(step) is int places)
        {
            node.DecimalPlaces = places; // an integer node: every integer is a multiple, nothing to hold
            return;
        }
        if ((node.Types & JsonTypes.Number) == 0 && step < 1 && 1 % step == 0) return; // 0.5, 0.25: every integer is a multiple
        if (step != decimal.Floor(step) || step > long.MaxValue)
            throw Unsupported(pointer, "multipleOf", $"of {number.GetRawText()} (a step with a fraction other than a power of ten such as 0.01, or past 2^63)");
        node.Types = (node.Types & ~JsonTypes.Number) | JsonTypes.Integer;
        node.MultipleOf = (long)step;
    }

    /// <summary>k where step is 10^−k, 1 ≤ k ≤ <see cref="DecimalReader.MaxFractionDigits"/> (0.1 → 1, 0.01 → 2); else null.</summary>
    internal static int? DecimalPlacesOf(decimal step)
    {
        for (int k = 1; k <= DecimalReader.MaxFractionDigits; k++)
            if (step == DecimalReader.GridStep(k)) return k;
        return null;
    }

    static void ReadIntegerBounds(JsonSchemaNode node, Dictionary<string, JsonElement> bounds, string pointer)
    {
        double low = double.NegativeInfinity, high = double.PositiveInfinity;
        foreach (var (keyword, value) in bounds)
        {
            double bound = value.GetDouble();
            switch (keyword)
            {
                case "minimum": low = Math.Max(low, Math.Ceiling(bound)); break;
                case "exclusiveMinimum": low = Math.Max(low, Math.Floor(bound) + 1); break;
                case "maximum": high = Math.Min(high, Math.Floor(bound)); break;
                default: high = Math.Min(high, Math.Ceiling(bound) - 1); break;
            }
        }
        if (low > high) throw Unsupported(pointer, "minimum", $"above the maximum (no integer from {low} to {high})");
        node.Minimum = (long)Math.Clamp(low, long.MinValue, long.MaxValue); // a double past a long saturates here, not wraps
        node.Maximum = (long)Math.Clamp(high, long.MinValue, long.MaxValue);
        if (!HasMultiple(node.Minimum, node.Maximum, node.MultipleOf))
            throw Unsupported(pointer, "multipleOf", $"of {node.MultipleOf} with no multiple from {node.Minimum} to {node.Maximum}");
    }

    /// <summary>Whether some multiple of step (none: any integer) lies from low to high.</summary>
    internal static bool HasMultiple(Int128 low, Int128 high, long step) => low <= high && (step <= 1 || FloorDivide(high, step) * step >= low);

    static Int128 FloorDivide(Int128 value, long divisor) => value >= 0 ? value / divisor : -((-value + divisor - 1) / divisor);

    /// <summary>
    /// Bounds on a number that may have a fraction, moved onto the grid <see cref="DecimalReader"/> writes (9 decimals,
    /// or the node's fewer): the smallest and largest numbers on it within them.
    /// </summary>
    static void ReadDecimalBounds(JsonSchemaNode node, Dictionary<string, JsonElement> bounds, string pointer)
    {
        decimal step = DecimalReader.GridStep(node.DecimalPlaces);
        decimal largest = Math.Floor(DecimalReader.Largest / step) * step;
        decimal low = -largest, high = largest;
        foreach (var (keyword, value) in bounds)
        {
            decimal steps = ReadDecimal(value) / step;
            switch (keyword)
            {
                case "minimum": low = Math.Max(low, Math.Ceiling(steps) * step); break;
                case "exclusiveMinimum": low = Math.Max(low, (Math.Floor(steps) + 1) * step); break;
                case "maximum": high = Math.Min(high, Math.Floor(steps) * step); break;
                default: high = Math.Min(high, (Math.Ceiling(steps) - 1) * step); break;
            }
        }
        if (low > high)
            throw new NotSupportedException($"JSON schema at {Readable(pointer)}: \"minimum\" and \"maximum\" (or their exclusive forms) leave no number of at most " +
                $"{DecimalReader.MaxIntegerDigits} integer digits and {node.DecimalPlaces} decimals between them");
        node.DecimalBounds = new DecimalBounds(low, high, node.DecimalPlaces);
    }

    /// <summary>
    /// A bound as a decimal, within ±10^19 (past the numbers written, so a bound past it acts as that); one between 0
    /// and the grid's step, which decimal may round to 0, as half a step, which lands on the same side of the grid.
    /// </summary>
    static decimal ReadDecimal(JsonElement value)
    {
        double approximate = value.GetDouble();
        const decimal limit = 10_000_000_000_000_000_000m;
        if (!value.TryGetDecimal(out decimal exact) || Math.Abs(exact) > limit) return approximate > 0 ? limit : -limit;
        if (exact == 0 && approximate != 0) return Math.Sign(approximate) * DecimalReader.Step / 2;
        return exact;
    }
}
