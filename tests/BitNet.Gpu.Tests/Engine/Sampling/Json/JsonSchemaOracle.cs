using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace BitNet.Gpu.Tests.Engine.Sampling.Json;

/// <summary>
/// A plain recursive validator for the schema keywords structured output holds, written from the JSON Schema
/// specification over parsed values, to check the byte-by-byte automaton against. Where the automaton is stricter by
/// design it follows it: properties declared with additionalProperties absent allow no others, a declared property
/// appears at most once, enum values and integers are compared as written (the text is generated, not parsed), and a
/// number under bounds is written plainly (<see cref="IsWrittenPlainly"/>). Schemas that hold together (allOf, a $ref
/// and the keywords beside it, an anyOf branch and the keywords beside it) declare their properties together: a
/// property one of them declares is not an additional property of another. An object branch of an anyOf or oneOf
/// whose first property (the keywords beside it first) is required and one constant has it first.
/// </summary>
internal static class JsonSchemaOracle
{
    static readonly JsonSerializerOptions AsWritten = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static bool IsValid(JsonElement root, JsonElement value) => IsValid(root, root, value, []);

    /// <param name="declaredBeside">Property names that schemas holding together with this one declare.</param>
    static bool IsValid(JsonElement root, JsonElement schema, JsonElement value, HashSet<string> declaredBeside)
    {
        if (schema.ValueKind == JsonValueKind.True) return true;
        var parts = new List<JsonElement>();
        if (schema.TryGetProperty("$ref", out var reference)) parts.Add(Resolve(root, reference.GetString()!));
        if (schema.TryGetProperty("allOf", out var all)) parts.AddRange(all.EnumerateArray());
        bool hasBranches = schema.TryGetProperty("anyOf", out var branches) || schema.TryGetProperty("oneOf", out branches);
        if (!hasBranches) return AllHold(root, schema, parts, value, declaredBeside);
        int holding = branches.EnumerateArray().Count(branch => AllHold(root, schema, [.. parts, branch], value, declaredBeside) && LeadsWithDiscriminator(root, schema, branch, value));
        return schema.TryGetProperty("anyOf", out _) ? holding > 0 : holding == 1;
    }

    /// <summary>The schema's own keywords and each part hold, each knowing the properties the others declare.</summary>
    static bool AllHold(JsonElement root, JsonElement schema, List<JsonElement> parts, JsonElement value, HashSet<string> declaredBeside)
    {
        var together = new HashSet<string>(declaredBeside);
        together.UnionWith(Declared(root, schema));
        foreach (var part in parts) together.UnionWith(Declared(root, part));
        return HoldsOwn(root, schema, value, together) && parts.All(part => IsValid(root, part, value, together));
    }

    /// <summary>The property names a schema declares, with those of its $ref and allOf.</summary>
    static IEnumerable<string> Declared(JsonElement root, JsonElement schema, int depth = 0)
    {
        if (schema.ValueKind != JsonValueKind.Object || depth > 16) yield break;
        if (schema.TryGetProperty("properties", out var properties)) foreach (var p in properties.EnumerateObject()) yield return p.Name;
        if (schema.TryGetProperty("$ref", out var reference)) foreach (var name in Declared(root, Resolve(root, reference.GetString()!), depth + 1)) yield return name;
        if (schema.TryGetProperty("allOf", out var all)) foreach (var part in all.EnumerateArray()) foreach (var name in Declared(root, part, depth + 1)) yield return name;
    }

    /// <summary>An object branch whose first property (those beside the branch first) is required and one constant: the object starts with it.</summary>
    static bool LeadsWithDiscriminator(JsonElement root, JsonElement schema, JsonElement branch, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object) return true;
        if (branch.TryGetProperty("$ref", out var reference)) branch = Resolve(root, reference.GetString()!);
        var first = new[] { schema, branch }.SelectMany(s => s.TryGetProperty("properties", out var p) ? p.EnumerateObject() : Enumerable.Empty<JsonProperty>()).FirstOrDefault();
        if (first.Value.ValueKind != JsonValueKind.Object) return true;
        var property = first.Value.TryGetProperty("$ref", out var to) ? Resolve(root, to.GetString()!) : first.Value;
        bool required = new[] { schema, branch }.Any(s => s.TryGetProperty("required", out var r) && r.EnumerateArray().Any(n => n.GetString() == first.Name));
        bool constant = property.TryGetProperty("const", out _) || property.TryGetProperty("enum", out var values) && values.GetArrayLength() == 1;
        return !(required && constant) || value.EnumerateObject().First().Name == first.Name;
    }

    static bool HoldsOwn(JsonElement root, JsonElement schema, JsonElement value, HashSet<string> declaredBeside)
    {
        if (schema.TryGetProperty("type", out var type) && !HasType(type, value)
            && !(value.ValueKind == JsonValueKind.Null && schema.TryGetProperty("nullable", out var nullable) && nullable.ValueKind == JsonValueKind.True))
            return false;
        if (schema.TryGetProperty("enum", out var values) && !values.EnumerateArray().Any(v => Written(v) == value.GetRawText())) return false;
        if (schema.TryGetProperty("const", out var constant) && Written(constant) != value.GetRawText()) return false;
        return value.ValueKind switch
        {
            JsonValueKind.Object => IsValidObject(root, schema, value, declaredBeside),
            JsonValueKind.Array => IsValidArray(root, schema, value),
            JsonValueKind.String => InRange(schema, "minLength", "maxLength", value.GetString()!.EnumerateRunes().Count())
                && MatchesPattern(schema, value.GetString()!) && HasFormat(schema, value.GetString()!),
            JsonValueKind.Number => InBounds(schema, value.GetDouble()) && IsWrittenPlainly(schema, value.GetRawText()) && IsMultiple(schema, value),
            _ => true,
        };
    }

    /// <summary>pattern: .NET's regular expressions in ECMAScript mode, searching the string as JSON Schema says.</summary>
    static bool MatchesPattern(JsonElement schema, string text) =>
        !schema.TryGetProperty("pattern", out var pattern) || Regex.IsMatch(text, pattern.GetString()!, RegexOptions.ECMAScript);

    /// <summary>
    /// The formats held, as the product defines them: RFC 3339 dates and date-times that .NET's DateOnly reads (years
    /// from 0001), fractions to 7 digits, offsets to ±14:00, a time of day without an offset, lowercase UUIDs; any
    /// other format is an annotation; IPv4 as the dotted quad IPAddress writes, IPv6 as IPAddress reads it; email as
    /// WHATWG's valid email address (labels of any length), hostname as RFC 1123 labels, duration as RFC 3339's ABNF.
    /// </summary>
    static bool HasFormat(JsonElement schema, string text)
    {
        if (!schema.TryGetProperty("format", out var format)) return true;
        const string date = "[0-9]{4}-[0-9]{2}-[0-9]{2}", time = "([01][0-9]|2[0-3])(:[0-5][0-9]){2}([.][0-9]{1,7})?";
        return format.GetString() switch
        {
            "date" => Whole(text, date) && IsCalendarDate(text),
            "time" => Whole(text, time),
            "date-time" => Whole(text, $"{date}T{time}(Z|[+-](0[0-9]|1[0-3]):[0-5][0-9]|[+-]14:00)") && IsCalendarDate(text[..10]),
            "uuid" => Whole(text, "[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}"),
            "ipv4" => System.Net.IPAddress.TryParse(text, out var v4) && v4.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && v4.ToString() == text,
            "ipv6" => System.Net.IPAddress.TryParse(text, out var v6) && v6.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6,
            "email" => Whole(text, @"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*"),
            "hostname" => Whole(text, Hostname),
            "duration" => Whole(text, @"P(\d+W|((\d+Y)?(\d+M)?(\d+D)?)(T(\d+H)?(\d+M)?(\d+S)?)?)") && IsRfc3339Duration(text),
            _ => true,
        };
    }

    const string Hostname = @"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*";

    /// <summary>RFC 3339's duration beyond the shape: a date part's components contiguous (Y then M then D, none
    /// skipped after the first), the same for the time part's, at least one component, T followed by one.</summary>
    static bool IsRfc3339Duration(string text)
    {
        if (text.EndsWith('T') || text == "P" || text.Contains("WT") || (text.Contains('W') && text.Length > 1 + text.IndexOf('W'))) return false;
        string Units(string part) => new(part.Where(char.IsLetter).ToArray());
        int t = text.IndexOf('T');
        string date = Units(t < 0 ? text[1..] : text[1..t]), time = t < 0 ? "" : Units(text[(t + 1)..]);
        return date is "" or "W" or "D" or "M" or "MD" or "Y" or "YM" or "YMD" && time is "" or "S" or "M" or "MS" or "H" or "HM" or "HMS";
    }

    static bool Whole(string text, string pattern) => Regex.IsMatch(text, $"\\A(?:{pattern})\\z", RegexOptions.ECMAScript);

    static bool IsCalendarDate(string text) => DateOnly.TryParseExact(text, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out _);

    static bool IsValidObject(JsonElement root, JsonElement schema, JsonElement value, HashSet<string> declaredBeside)
    {
        bool hasProperties = schema.TryGetProperty("properties", out var properties);
        var names = value.EnumerateObject().Select(p => p.Name).ToList();
        if (!InRange(schema, "minProperties", "maxProperties", names.Count)) return false;
        if (schema.TryGetProperty("required", out var required) && required.EnumerateArray().Any(r => !names.Contains(r.GetString()!))) return false;
        foreach (var member in value.EnumerateObject())
        {
            if (hasProperties && properties.TryGetProperty(member.Name, out var propertySchema))
            {
                if (names.Count(n => n == member.Name) > 1 || !IsValid(root, propertySchema, member.Value, [])) return false;
                continue;
            }
            if (declaredBeside.Contains(member.Name)) continue; // a property of a schema that holds beside this one
            bool hasAdditional = schema.TryGetProperty("additionalProperties", out var additional);
            if (!hasAdditional && hasProperties || hasAdditional && additional.ValueKind == JsonValueKind.False) return false;
            if (hasAdditional && !IsValid(root, additional, member.Value, [])) return false;
        }
        return true;
    }

    /// <summary>items; a tuple's prefixItems then items, or (before 2020-12) items as an array then additionalItems.</summary>
    static bool IsValidArray(JsonElement root, JsonElement schema, JsonElement value)
    {
        if (!InRange(schema, "minItems", "maxItems", value.GetArrayLength())) return false;
        if (schema.TryGetProperty("uniqueItems", out var unique) && unique.ValueKind == JsonValueKind.True)
        {
            var items = value.EnumerateArray().ToList();
            for (int i = 0; i < items.Count; i++)
                for (int j = i + 1; j < items.Count; j++)
                    if (JsonElement.DeepEquals(items[i], items[j])) return false;
        }
        JsonElement[] tuple = [];
        string restKeyword = "items";
        if (schema.TryGetProperty("prefixItems", out var prefix)) tuple = [.. prefix.EnumerateArray()];
        else if (schema.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Array) (tuple, restKeyword) = ([.. items.EnumerateArray()], "additionalItems");
        bool hasRest = schema.TryGetProperty(restKeyword, out var rest);
        int index = 0;
        foreach (var item in value.EnumerateArray())
        {
            var itemSchema = index < tuple.Length ? tuple[index] : hasRest ? rest : (JsonElement?)null;
            index++;
            if (itemSchema is { ValueKind: JsonValueKind.False } || itemSchema is { } s && !IsValid(root, s, item, [])) return false;
        }
        return true;
    }

    /// <summary>minimum and the rest; a bound may be a string holding a number, as Microsoft.Extensions.AI writes a decimal's [Range].</summary>
    static bool InBounds(JsonElement schema, double number) =>
        (!schema.TryGetProperty("minimum", out var minimum) || number >= Number(minimum)) &&
        (!schema.TryGetProperty("maximum", out var maximum) || number <= Number(maximum)) &&
        (!schema.TryGetProperty("exclusiveMinimum", out var above) || number > Number(above)) &&
        (!schema.TryGetProperty("exclusiveMaximum", out var below) || number < Number(below));

    static double Number(JsonElement bound) =>
        bound.ValueKind == JsonValueKind.String ? double.Parse(bound.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : bound.GetDouble();

    /// <summary>
    /// Where the automaton is stricter by design: a number under bounds that may have a fraction is written without an
    /// exponent, with at most 19 integer digits and 9 decimals.
    /// </summary>
    static bool IsWrittenPlainly(JsonElement schema, string text)
    {
        bool bounded = new[] { "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf" }.Any(k => schema.TryGetProperty(k, out _));
        bool integerOnly = schema.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "integer"
            || type.ValueKind == JsonValueKind.Array && type.EnumerateArray().All(t => t.GetString() != "number");
        if (!bounded || integerOnly) return true;
        if (text.IndexOfAny(['e', 'E']) >= 0) return false;
        var parts = text.TrimStart('-').Split('.');
        return parts[0].Length <= 19 && (parts.Length == 1 || parts[1].Length <= 9);
    }

    /// <summary>multipleOf; where the automaton is stricter by design: a number held to a whole step is written as an
    /// integer, and one held to a step with k decimals without an exponent, with at most k decimals.</summary>
    static bool IsMultiple(JsonElement schema, JsonElement value)
    {
        if (!schema.TryGetProperty("multipleOf", out var stepValue)) return true;
        decimal step = stepValue.GetDecimal();
        string text = value.GetRawText();
        if (text.IndexOfAny(['e', 'E']) >= 0) return false;
        int decimals = text.Contains('.') ? text.Length - text.IndexOf('.') - 1 : 0;
        int stepDecimals = (step / 1.000000000000000000000000000m).Scale; // the step's decimals, trailing zeros dropped
        return value.GetDecimal() % step == 0 && decimals <= stepDecimals;
    }

    static bool InRange(JsonElement schema, string min, string max, int count) =>
        (!schema.TryGetProperty(min, out var low) || count >= low.GetInt32()) && (!schema.TryGetProperty(max, out var high) || count <= high.GetInt32());

    static bool HasType(JsonElement type, JsonElement value) =>
        type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Any(t => HasType(t, value)) : type.GetString() switch
        {
            "object" => value.ValueKind == JsonValueKind.Object,
            "array" => value.ValueKind == JsonValueKind.Array,
            "string" => value.ValueKind == JsonValueKind.String,
            "number" => value.ValueKind == JsonValueKind.Number,
            "integer" => value.ValueKind == JsonValueKind.Number && value.GetRawText().IndexOfAny(['.', 'e', 'E']) < 0,
            "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
            "null" => value.ValueKind == JsonValueKind.Null,
            _ => false,
        };

    static string Written(JsonElement value) => JsonSerializer.Serialize(value, AsWritten);

    static JsonElement Resolve(JsonElement root, string pointer)
    {
        var element = root;
        if (pointer == "#") return element;
        foreach (string segment in pointer[2..].Split('/'))
            element = element.ValueKind == JsonValueKind.Array ? element[int.Parse(segment)] : element.GetProperty(segment.Replace("~1", "/").Replace("~0", "~"));
        return element;
    }
}
