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
        bool decimalStep = node.DecimalPlaces < DecimalReader.MaxFractionDigits || node.DecimalMultiple > 1;
        if (bounds.Count == 0 && !decimalStep) return;
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
    /// multipleOf, held digit by digit, as the bounds are. A whole step holds integers, written as such (no fraction or
    /// exponent). A step with a fraction (0.01, as Pydantic writes multiple_of=0.01 for an amount of money; 0.25; 2.5)
    /// holds a number that may have a fraction to the step's decimals: it is then written without an exponent, with at
    /// most that many decimals, on the step's multiples; where only integers are allowed, such a step holds the integers
    /// that are multiples of it (every one, for a step that divides 1).
    /// </summary>
    static void ReadMultipleOf(JsonSchemaNode node, JsonElement schema, string pointer)
    {
        if (!schema.TryGetProperty("multipleOf", out var value)) return;
        var number = AsNumber(value) ?? throw Malformed(pointer, "multipleOf", "must be a number");
        if (number.GetDouble() <= 0) throw Malformed(pointer, "multipleOf", "must be greater than 0");
        if ((node.Types & (JsonTypes.Number | JsonTypes.Integer)) == 0) return; // it constrains numbers only
        if (!number.TryGetDecimal(out decimal step) || step > long.MaxValue)
            throw Unsupported(pointer, "multipleOf", $"of {number.GetRawText()} (past 2^63)");
        if (step == 0) // so small that decimal reads it as 0 (1e-30)
            throw Unsupported(pointer, "multipleOf", $"of {number.GetRawText()} (more than {DecimalReader.MaxFractionDigits} decimals)");
        if (step != decimal.Floor(step))
        {
            var (places, multiple) = FractionStep(step)
                ?? throw Unsupported(pointer, "multipleOf", $"of {number.GetRawText()} (more than {DecimalReader.MaxFractionDigits} decimals, or too large to hold)");
            if ((node.Types & JsonTypes.Number) != 0)
            {
                (node.DecimalPlaces, node.DecimalMultiple) = (places, multiple);
                return;
            }
            if (1 % step == 0) return; // an integer node and a step that divides 1 (0.5, 0.25): every integer is a multiple
            step = LeastWholeMultiple(places, multiple);  // 2.5: the integers that are multiples of it are those of 5
            if (step > long.MaxValue) throw Unsupported(pointer, "multipleOf", $"of {number.GetRawText()} (whose least whole multiple is past 2^63)");
        }
        node.Types = (node.Types & ~JsonTypes.Number) | JsonTypes.Integer;
        node.MultipleOf = (long)step;
    }

    /// <summary>A step with a fraction as (k, a): step = a · 10^−k with the fewest decimals k; null past 9 decimals.</summary>
    internal static (int Places, long Multiple)? FractionStep(decimal step)
    {
        for (int k = 1; k <= DecimalReader.MaxFractionDigits; k++)
        {
            decimal units = step / DecimalReader.GridStep(k);
            if (units == decimal.Floor(units)) return units <= long.MaxValue ? (k, (long)units) : null;
        }
        return null;
    }

    /// <summary>The least integer that is a multiple of a · 10^−k (<paramref name="multiple"/> steps of <paramref name="places"/>
    /// decimals): a / gcd(a, 10^k).</summary>
    static decimal LeastWholeMultiple(int places, long multiple)
    {
        long scale = (long)(1 / DecimalReader.GridStep(places));
        return multiple / (decimal)long.CreateChecked(System.Numerics.BigInteger.GreatestCommonDivisor(multiple, scale));
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
    /// or the node's fewer) and, with a multipleOf, onto its multiples: the smallest and largest such numbers within them.
    /// Counted in whole grid steps (below 10^28, exact in Int128), so a step such as 3·10^−9 stays exact at 10^18.
    /// </summary>
    static void ReadDecimalBounds(JsonSchemaNode node, Dictionary<string, JsonElement> bounds, string pointer)
    {
        decimal grid = DecimalReader.GridStep(node.DecimalPlaces);
        long multiple = node.DecimalMultiple;
        Int128 largest = FloorDivide((Int128)(DecimalReader.Largest / grid), multiple) * multiple;
        Int128 low = -largest, high = largest;
        foreach (var (keyword, value) in bounds)
        {
            decimal steps = ReadDecimal(value) / grid; // a power of ten: exact
            switch (keyword)
            {
                case "minimum": low = Int128.Max(low, CeilingToMultiple((Int128)Math.Ceiling(steps), multiple)); break;
                case "exclusiveMinimum": low = Int128.Max(low, CeilingToMultiple((Int128)Math.Floor(steps) + 1, multiple)); break;
                case "maximum": high = Int128.Min(high, FloorDivide((Int128)Math.Floor(steps), multiple) * multiple); break;
                default: high = Int128.Min(high, FloorDivide((Int128)Math.Ceiling(steps) - 1, multiple) * multiple); break;
            }
        }
        if (low > high)
            throw new NotSupportedException($"JSON schema at {Readable(pointer)}: \"minimum\" and \"maximum\" (or their exclusive forms) leave no number of at most " +
                $"{DecimalReader.MaxIntegerDigits} integer digits and {node.DecimalPlaces} decimals{(multiple > 1 ? ", a multiple of multipleOf," : "")} between them");
        node.DecimalBounds = new DecimalBounds((decimal)low * grid, (decimal)high * grid, node.DecimalPlaces, multiple);
    }

    /// <summary>The least multiple of <paramref name="step"/> at or above <paramref name="value"/>.</summary>
    static Int128 CeilingToMultiple(Int128 value, long step) => -FloorDivide(-value, step) * step;

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
