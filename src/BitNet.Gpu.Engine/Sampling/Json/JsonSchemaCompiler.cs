using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using BitNet.Gpu.Engine.Sampling.Patterns;

namespace BitNet.Gpu.Engine.Sampling;

/// <summary>
/// Reduces a JSON Schema document to <see cref="JsonSchemaNode"/>s: the keywords that can be held byte by byte as the
/// text is written. Annotations are ignored; a validation keyword that is not enforced is refused (a schema the output
/// might break without a word would be a silent failure), and so is a malformed one. Every error names the schema's
/// place as a JSON pointer ("#/properties/tags/items") and the keyword.
/// </summary>
internal sealed class JsonSchemaCompiler
{
    /// <summary>Declared properties per object and enum values per schema: each is a bit of a 64-bit set while matching.</summary>
    public const int MaxChoices = 64;

    static readonly HashSet<string> Annotations =
    [
        "$schema", "$id", "$anchor", "$comment", "$defs", "definitions", "$vocabulary", "title", "description", "default",
        "examples", "format", "readOnly", "writeOnly", "deprecated", "contentEncoding", "contentMediaType", "contentSchema",
        "discriminator", // OpenAPI's and Pydantic's name for the property whose constants tell oneOf's branches apart: held by the constants
    ];

    static readonly HashSet<string> NotEnforced =
    [
        "multipleOf", "not", "if", "then",
        "else", "patternProperties", "propertyNames", "contains", "minContains", "maxContains",
        "dependentRequired", "dependentSchemas", "dependencies", "unevaluatedProperties",
        "unevaluatedItems", "$dynamicRef", "$recursiveRef",
    ];

    /// <summary>Schemas within schemas, $ref hops included: a hostile schema must not run the compiler out of stack.</summary>
    public const int MaxNesting = 256;

    static readonly JsonSerializerOptions LiteralEncoding = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    readonly JsonElement _root;
    readonly Dictionary<string, JsonSchemaNode> _byPointer = [];
    /// <summary>Schemas made by merging (allOf, the keywords beside anyOf), at the place of the schema they stand for.</summary>
    readonly Dictionary<string, JsonElement> _merged = [];
    readonly HashSet<string> _followingRefs = [];
    int _nesting;

    JsonSchemaCompiler(JsonElement root) => _root = root;

    /// <summary>The root's node; it must allow an object, as JSON output is one object.</summary>
    /// <exception cref="NotSupportedException">A keyword or a combination that is not enforced.</exception>
    /// <exception cref="ArgumentException">A malformed schema.</exception>
    public static JsonSchemaNode Compile(JsonElement root)
    {
        RequireText(root, []);
        JsonSchemaNode node;
        try { node = new JsonSchemaCompiler(root).At("#"); }
        catch (JsonSchemaMerger.NoCommonValueException e) { throw new NotSupportedException(e.Message); }
        if ((node.Types & JsonTypes.Object) == 0)
            throw new NotSupportedException("JSON schema at #: the root must allow an object (\"type\": \"object\"), as the output is one JSON object");
        return node;
    }

    /// <summary>
    /// Every string and property name must be text: System.Text.Json cannot read one holding a lone surrogate escape
    /// (\ud83d without its pair) as a string, so it is refused here, where it can be named, before anything reads it.
    /// </summary>
    static void RequireText(JsonElement element, List<string> path)
    {
        if (path.Count > MaxDocumentDepth) throw new NotSupportedException($"JSON schema at {PointerOf(path)}: nested deeper than {MaxDocumentDepth} levels is not supported");
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                if (!IsText(() => element.GetString())) throw new ArgumentException($"JSON schema at {PointerOf(path)}: a string with a lone surrogate escape is not text");
                break;
            case JsonValueKind.Array:
                int index = 0;
                foreach (var item in element.EnumerateArray()) Below(item, (index++).ToString(System.Globalization.CultureInfo.InvariantCulture));
                break;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (!IsText(() => property.Name)) throw new ArgumentException($"JSON schema at {PointerOf(path)}: a property name with a lone surrogate escape is not text");
                    Below(property.Value, EscapePointer(property.Name));
                }
                break;
        }

        void Below(JsonElement child, string segment)
        {
            path.Add(segment);
            RequireText(child, path);
            path.RemoveAt(path.Count - 1);
        }
    }

    /// <summary>JSON nesting a schema document may have: far past any schema's, short of the stack's limit as the checks recurse.</summary>
    public const int MaxDocumentDepth = 4 * MaxNesting;

    static string PointerOf(List<string> path) => string.Concat(path.Prepend("#").Select((segment, i) => i == 0 ? segment : "/" + segment));

    static bool IsText(Func<string?> read)
    {
        try { read(); return true; }
        catch (InvalidOperationException) { return false; }
    }

    JsonSchemaNode At(string pointer)
    {
        if (_byPointer.TryGetValue(pointer, out var known)) return known;
        if (++_nesting > MaxNesting) throw Unsupported(pointer, "$ref", $"or nesting deeper than {MaxNesting} schemas");
        try
        {
            return CompileAt(pointer);
        }
        finally
        {
            _nesting--;
        }
    }

    JsonSchemaNode CompileAt(string pointer)
    {
        var element = Resolve(pointer);
        if (element.ValueKind == JsonValueKind.Object && element.TryGetProperty("$ref", out var reference))
            return FollowRef(pointer, element, reference);
        if (element.ValueKind == JsonValueKind.Object && element.TryGetProperty("allOf", out var allOf))
            return FollowAllOf(pointer, element, allOf);

        var node = new JsonSchemaNode();
        _byPointer[pointer] = node; // before filling: properties below may refer back to it
        Fill(node, element, pointer);
        return node;
    }

    JsonSchemaNode FollowRef(string pointer, JsonElement element, JsonElement reference)
    {
        if (reference.ValueKind != JsonValueKind.String || reference.GetString() is not { } target || !target.StartsWith('#'))
            throw Malformed(pointer, "$ref", "must be a JSON pointer into this schema, starting with \"#\"");
        if (element.EnumerateObject().Any(keyword => keyword.Name != "$ref" && !IsAnnotation(keyword) && !IsEmptySchema(keyword.Value)))
            return CompileMerged(pointer, "$ref", [new SchemaAt(element, pointer)]); // both hold, as in drafts since 2019-09
        if (!_followingRefs.Add(pointer)) throw Malformed(pointer, "$ref", "is a loop of references");
        JsonSchemaNode node;
        try { node = At(Uri.UnescapeDataString(target)); }
        finally { _followingRefs.Remove(pointer); }
        _byPointer[pointer] = node;
        return node;
    }

    /// <summary>
    /// allOf: one schema alone (as schema generators wrap a $ref to describe it) is that schema; several, or keywords
    /// beside it, are merged into one (<see cref="JsonSchemaMerger"/>).
    /// </summary>
    JsonSchemaNode FollowAllOf(string pointer, JsonElement element, JsonElement allOf)
    {
        if (allOf.ValueKind != JsonValueKind.Array || allOf.GetArrayLength() == 0) throw Malformed(pointer, "allOf", "must be a non-empty array");
        bool alone = allOf.GetArrayLength() == 1 && element.EnumerateObject().All(keyword => keyword.Name == "allOf" || IsAnnotation(keyword));
        if (!alone) return CompileMerged(pointer, "allOf", [new SchemaAt(element, pointer)]);
        var node = At(pointer + "/allOf/0");
        _byPointer[pointer] = node;
        return node;
    }

    /// <summary>
    /// The schema at pointer made by merging schemas that must all hold. The merged schema is kept at its own place below
    /// pointer (<see cref="MergedSegment"/>), so the schemas it refers to by their places are still the document's.
    /// </summary>
    JsonSchemaNode CompileMerged(string pointer, string keyword, SchemaAt[] schemas)
    {
        if (++_nesting > MaxNesting) throw Unsupported(pointer, keyword, $"nesting deeper than {MaxNesting} schemas");
        try
        {
            var merged = JsonSchemaMerger.Merge(schemas, Resolve, Readable(pointer), keyword);
            string place = $"{pointer}/{MergedSegment}";
            _merged[place] = merged;
            var node = new JsonSchemaNode();
            _byPointer[pointer] = node; // before filling: properties below may refer back to it
            Fill(node, merged, place);
            return node;
        }
        finally
        {
            _nesting--;
        }
    }

    /// <summary>The place of a merged schema below the one it stands for: "~" alone is no segment of a pointer the document can hold ('~' is written "~0").</summary>
    const string MergedSegment = "~";

    void Fill(JsonSchemaNode node, JsonElement schema, string pointer)
    {
        if (schema.ValueKind == JsonValueKind.True) { CopyAny(node); node.TypesSettled = true; return; }
        if (schema.ValueKind == JsonValueKind.False) throw Unsupported(pointer, "false", "(a schema no value satisfies)");
        if (schema.ValueKind != JsonValueKind.Object) throw new ArgumentException($"JSON schema at {Readable(pointer)}: a schema must be an object or a boolean, got {schema.ValueKind}");

        foreach (var keyword in schema.EnumerateObject())
            if (NotEnforced.Contains(keyword.Name)) throw Unsupported(pointer, keyword.Name, "");

        if (schema.TryGetProperty("anyOf", out var anyOf) || schema.TryGetProperty("oneOf", out anyOf))
        {
            FillFromBranches(node, schema, anyOf, pointer);
            return;
        }

        node.Types = schema.TryGetProperty("type", out var type) ? ReadTypes(type, pointer) : JsonTypes.Any;
        if (schema.TryGetProperty("nullable", out var nullable) && nullable.ValueKind == JsonValueKind.True) node.Types |= JsonTypes.Null;
        ReadLiterals(node, schema, pointer);
        if (node.Types == JsonTypes.None) throw Unsupported(pointer, "type", "that no value satisfies (its type and enum share no value)");
        node.TypesSettled = true; // before the properties and items, which may refer back to this node
        ReadObject(node, schema, pointer);
        ReadArray(node, schema, pointer);
        (node.MinLength, node.MaxLength) = ReadRange(schema, pointer, "minLength", "maxLength");
        ReadPattern(node, schema, pointer);
        ReadNumberBounds(node, schema, pointer);
        DropLiteralsOutOfBounds(node, pointer);
    }

    /// <summary>
    /// pattern, or a format that <see cref="StringFormats"/> holds: the string's automaton, with the length bounds folded
    /// into it (a pattern and lengths apart could each be met and together not).
    /// </summary>
    static void ReadPattern(JsonSchemaNode node, JsonElement schema, string pointer)
    {
        bool hasPattern = schema.TryGetProperty("pattern", out var pattern);
        string? format = schema.TryGetProperty("format", out var formatName) && formatName.ValueKind == JsonValueKind.String ? formatName.GetString() : null;
        string? formatPattern = format is null ? null : StringFormats.PatternOf(format);
        if ((!hasPattern && formatPattern is null) || (node.Types & JsonTypes.String) == 0) return;
        if (hasPattern && pattern.ValueKind != JsonValueKind.String) throw Malformed(pointer, "pattern", "must be a string");
        if (hasPattern && formatPattern is not null) throw Unsupported(pointer, "pattern", $"beside \"format\": \"{format}\"");
        string keyword = hasPattern ? "pattern" : "format";
        try
        {
            node.Pattern = PatternAutomaton.ForPattern(hasPattern ? pattern.GetString()! : formatPattern!).WithLengths(node.MinLength, node.MaxLength);
        }
        catch (ArgumentException e) { throw Malformed(pointer, keyword, e.Message); }
        catch (NotSupportedException e) { throw new NotSupportedException($"JSON schema at {Readable(pointer)}: \"{keyword}\" {e.Message}"); }
    }

    /// <summary>
    /// enum values that break the node's length or integer bounds can never be written: dropped, so that a value that
    /// starts can always be finished (none left would be a value no text satisfies).
    /// </summary>
    static void DropLiteralsOutOfBounds(JsonSchemaNode node, string pointer)
    {
        if (node.Literals is not { } literals) return;
        node.Literals = [.. literals.Where(literal => WithinBounds(node, literal))];
        if (node.Literals.Length == 0) throw Unsupported(pointer, "enum", "whose every value breaks the schema's bounds (minLength, maxLength, pattern, format, minimum, maximum)");
    }

    static bool WithinBounds(JsonSchemaNode node, byte[] literal)
    {
        using var document = JsonDocument.Parse(literal);
        var value = document.RootElement;
        return value.ValueKind switch
        {
            JsonValueKind.String when node.Pattern is { } pattern => pattern.Matches(value.GetString()!),
            JsonValueKind.String => value.GetString()!.EnumerateRunes().Count() is var length && length >= node.MinLength && length <= node.MaxLength,
            JsonValueKind.Number when node.HasIntegerBounds => value.TryGetInt64(out long number) && number >= node.Minimum && number <= node.Maximum,
            JsonValueKind.Number when node.DecimalBounds is { } bounds => value.TryGetDecimal(out decimal number) && number >= bounds.Low && number <= bounds.High,
            _ => true,
        };
    }

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
        if (bounds.Count == 0) return;
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
    }

    /// <summary>
    /// Bounds on a number that may have a fraction, moved onto the grid <see cref="DecimalReader"/> writes (9 decimals):
    /// the smallest and largest numbers on it within them.
    /// </summary>
    static void ReadDecimalBounds(JsonSchemaNode node, Dictionary<string, JsonElement> bounds, string pointer)
    {
        const decimal step = DecimalReader.Step;
        decimal low = -DecimalReader.Largest, high = DecimalReader.Largest;
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
                $"{DecimalReader.MaxIntegerDigits} integer digits and {DecimalReader.MaxFractionDigits} decimals between them");
        node.DecimalBounds = new DecimalBounds(low, high);
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

    static JsonTypes ReadTypes(JsonElement type, string pointer)
    {
        if (type.ValueKind == JsonValueKind.String) return TypeNamed(type.GetString()!, pointer);
        if (type.ValueKind != JsonValueKind.Array || type.GetArrayLength() == 0)
            throw Malformed(pointer, "type", "must be a type name or a non-empty array of them");
        var types = JsonTypes.None;
        foreach (var name in type.EnumerateArray())
            types |= name.ValueKind == JsonValueKind.String ? TypeNamed(name.GetString()!, pointer) : throw Malformed(pointer, "type", "must hold type names");
        return types;
    }

    static JsonTypes TypeNamed(string name, string pointer) => name switch
    {
        "object" => JsonTypes.Object,
        "array" => JsonTypes.Array,
        "string" => JsonTypes.String,
        "number" => JsonTypes.Number | JsonTypes.Integer,
        "integer" => JsonTypes.Integer,
        "boolean" => JsonTypes.Boolean,
        "null" => JsonTypes.Null,
        _ => throw Malformed(pointer, "type", $"names an unknown type \"{name}\" (object, array, string, number, integer, boolean, null)"),
    };

    /// <summary>enum and const: the allowed values, which also narrow the types to theirs.</summary>
    static void ReadLiterals(JsonSchemaNode node, JsonElement schema, string pointer)
    {
        bool hasEnum = schema.TryGetProperty("enum", out var values), hasConst = schema.TryGetProperty("const", out var constant);
        if (!hasEnum && !hasConst) return;
        if (hasEnum && hasConst) throw Unsupported(pointer, "const", "together with \"enum\"");
        if (hasEnum && (values.ValueKind != JsonValueKind.Array || values.GetArrayLength() == 0))
            throw Malformed(pointer, "enum", "must be a non-empty array");
        var literals = new List<byte[]>();
        var types = JsonTypes.None;
        foreach (var value in hasEnum ? values.EnumerateArray() : Enumerable.Repeat(constant, 1))
        {
            var valueType = TypeOf(value) ?? throw Unsupported(pointer, hasEnum ? "enum" : "const", "with an object or array value (only strings, numbers, true, false and null)");
            if ((node.Types & valueType) == 0) continue; // a value the type excludes can never be written
            byte[] text = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(value, LiteralEncoding));
            if (!literals.Any(known => known.AsSpan().SequenceEqual(text))) literals.Add(text);
            types |= valueType;
        }
        if (literals.Count > MaxChoices) throw Unsupported(pointer, "enum", $"with more than {MaxChoices} values");
        node.Literals = [.. literals];
        node.Types = types;
    }

    static JsonTypes? TypeOf(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => JsonTypes.String,
        JsonValueKind.Number => value.TryGetInt64(out _) ? JsonTypes.Integer : JsonTypes.Number,
        JsonValueKind.True or JsonValueKind.False => JsonTypes.Boolean,
        JsonValueKind.Null => JsonTypes.Null,
        _ => null,
    };

    void ReadObject(JsonSchemaNode node, JsonElement schema, string pointer)
    {
        bool hasProperties = schema.TryGetProperty("properties", out var properties);
        if (hasProperties && properties.ValueKind != JsonValueKind.Object) throw Malformed(pointer, "properties", "must be an object");
        var names = hasProperties ? properties.EnumerateObject().Select(p => p.Name).ToArray() : [];
        if (names.Length > MaxChoices) throw Unsupported(pointer, "properties", $"with more than {MaxChoices} properties");
        node.PropertyKeys = [.. names.Select(name => Encoding.UTF8.GetBytes(JsonSerializer.Serialize(name, LiteralEncoding)))];
        node.PropertySchemas = [.. names.Select(name => At($"{pointer}/properties/{EscapePointer(name)}"))];

        if (schema.TryGetProperty("required", out var required))
        {
            if (required.ValueKind != JsonValueKind.Array) throw Malformed(pointer, "required", "must be an array of property names");
            foreach (var name in required.EnumerateArray())
            {
                int index = name.ValueKind == JsonValueKind.String ? Array.IndexOf(names, name.GetString()) : -2;
                if (index == -2) throw Malformed(pointer, "required", "must hold property names");
                if (index < 0) throw Unsupported(pointer, "required", $"naming \"{name.GetString()}\", which \"properties\" does not declare");
                node.Required |= 1UL << index;
            }
        }

        (node.MinProperties, node.MaxProperties) = ReadRange(schema, pointer, "minProperties", "maxProperties");
        if (System.Numerics.BitOperations.PopCount(node.Required) > node.MaxProperties)
            throw Unsupported(pointer, "maxProperties", "below the number of required properties");

        // As llama.cpp's grammars have it: properties declared and additionalProperties absent means no others.
        if (!schema.TryGetProperty("additionalProperties", out var additional)) node.AdditionalProperties = hasProperties ? null : JsonSchemaNode.Any;
        else if (additional.ValueKind == JsonValueKind.False) node.AdditionalProperties = null;
        else node.AdditionalProperties = IsEmptySchema(additional) ? JsonSchemaNode.Any : At(pointer + "/additionalProperties");
        if (node.AdditionalProperties is null && node.MinProperties > names.Length)
            throw Unsupported(pointer, "minProperties", "above the number of properties allowed");
    }

    /// <summary>
    /// items, and a tuple's prefixItems (or, as drafts before 2020-12 wrote them, items as an array and additionalItems
    /// for the rest); items false allows none past the tuple.
    /// </summary>
    void ReadArray(JsonSchemaNode node, JsonElement schema, string pointer)
    {
        (node.MinItems, node.MaxItems) = ReadRange(schema, pointer, "minItems", "maxItems");
        string restKeyword = "items"; // the keyword that holds the schema of the items after the tuple, if any
        if (schema.TryGetProperty("prefixItems", out var tuple)) node.PrefixItems = ReadTuple(tuple, pointer, "prefixItems");
        else if (schema.TryGetProperty("items", out tuple) && tuple.ValueKind == JsonValueKind.Array)
            (node.PrefixItems, restKeyword) = (ReadTuple(tuple, pointer, "items"), "additionalItems");
        else if (schema.TryGetProperty("additionalItems", out _)) throw Unsupported(pointer, "additionalItems", "without a tuple (items as an array)");

        bool hasRest = schema.TryGetProperty(restKeyword, out var rest);
        if (hasRest && rest.ValueKind == JsonValueKind.False) node.MaxItems = Math.Min(node.MaxItems, node.PrefixItems.Length);
        node.Items = !hasRest || rest.ValueKind == JsonValueKind.False || IsEmptySchema(rest) ? JsonSchemaNode.Any
            : rest.ValueKind == JsonValueKind.Object ? At($"{pointer}/{restKeyword}")
            : throw Malformed(pointer, restKeyword, "must be a schema");
        if (node.MinItems > node.MaxItems) throw Unsupported(pointer, "minItems", $"above the {node.MaxItems} items a tuple with \"{restKeyword}\": false allows");
        ReadUniqueItems(node, schema, pointer);
    }

    /// <summary>
    /// uniqueItems, held where every item is a scalar whose value can be told apart as it is read and a duplicate can
    /// always be avoided: enum values (left out once used), true, false, null (once each), strings without a
    /// maxLength or pattern and integers without bounds (a duplicate refused at its end can be written on into
    /// another value). Objects, arrays, numbers that may have a fraction, bounded strings and integers, and tuples are
    /// refused, and so are items too few to make minItems.
    /// </summary>
    static void ReadUniqueItems(JsonSchemaNode node, JsonElement schema, string pointer)
    {
        if (!schema.TryGetProperty("uniqueItems", out var unique)) return;
        if (unique.ValueKind is not (JsonValueKind.True or JsonValueKind.False)) throw Malformed(pointer, "uniqueItems", "must be true or false");
        if (unique.ValueKind == JsonValueKind.False || (node.Types & JsonTypes.Array) == 0) return;
        if (node.PrefixItems.Length > 0) throw Unsupported(pointer, "uniqueItems", "on a tuple (prefixItems)");
        var items = node.Items;
        string why = !items.TypesSettled || items.Branches is not null ? "whose items refer back to the array or are a union of overlapping branches"
            : items.Literals is not null ? (items.Literals.Any(l => UniqueValues.OfLiteral(l) is null) ? "whose enum values include a number with a fraction" : "")
            : (items.Types & (JsonTypes.Object | JsonTypes.Array)) != 0 ? "on items that may be objects or arrays (or on items of any type)"
            : (items.Types & JsonTypes.Number) != 0 ? "on numbers that may have a fraction"
            : (items.Types & JsonTypes.Integer) != 0 && items.NumberRules.HasIntegerBounds ? "on integers with minimum or maximum"
            : (items.Types & JsonTypes.String) != 0 && (items.StringRules.MaxLength != int.MaxValue || items.StringRules.Pattern is not null) ? "on strings with maxLength, pattern or format"
            : "";
        if (why.Length > 0) throw Unsupported(pointer, "uniqueItems", why);
        if (items.Literals is { } literals) items.LiteralHashes = [.. literals.Select(l => UniqueValues.OfLiteral(l)!.Value)];
        int? values = items.Literals?.Length ?? ((items.Types & (JsonTypes.String | JsonTypes.Integer)) == 0
            ? ((items.Types & JsonTypes.Boolean) != 0 ? 2 : 0) + ((items.Types & JsonTypes.Null) != 0 ? 1 : 0) : null);
        if (values < node.MinItems) throw Unsupported(pointer, "minItems", $"of {node.MinItems} with uniqueItems, where the items have {values} values");
        node.UniqueItems = true;
    }

    JsonSchemaNode[] ReadTuple(JsonElement schemas, string pointer, string keyword)
    {
        if (schemas.ValueKind != JsonValueKind.Array) throw Malformed(pointer, keyword, "must be an array of schemas");
        return [.. Enumerable.Range(0, schemas.GetArrayLength()).Select(i => IsEmptySchema(schemas[i]) ? JsonSchemaNode.Any : At($"{pointer}/{keyword}/{i}"))];
    }

    static (int Min, int Max) ReadRange(JsonElement schema, string pointer, string minKeyword, string maxKeyword)
    {
        int min = ReadCount(schema, pointer, minKeyword) ?? 0, max = ReadCount(schema, pointer, maxKeyword) ?? int.MaxValue;
        if (min > max) throw Malformed(pointer, minKeyword, $"is {min}, more than {maxKeyword} {max}");
        return (min, max);
    }

    static int? ReadCount(JsonElement schema, string pointer, string keyword)
    {
        if (!schema.TryGetProperty(keyword, out var value)) return null;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out double number) || number < 0 || number != Math.Floor(number))
            throw Malformed(pointer, keyword, "must be a whole number, 0 or more");
        return number >= int.MaxValue ? int.MaxValue : (int)number;
    }

    /// <summary>
    /// anyOf / oneOf. Branches of different JSON types (a type or null, say) are told apart by a value's first byte, so
    /// the node takes each type's rules from its branch. Branches that overlap (two objects: a discriminated union) are
    /// kept as <see cref="JsonSchemaNode.Branches"/>, followed side by side as the text is read. Keywords beside the
    /// branches hold for each: they are merged into every branch. oneOf is held where its branches exclude each other
    /// (<see cref="Exclusive"/>), so that a text can satisfy only one; else refused.
    /// </summary>
    void FillFromBranches(JsonSchemaNode node, JsonElement schema, JsonElement branches, string pointer)
    {
        string keyword = schema.TryGetProperty("anyOf", out _) ? "anyOf" : "oneOf";
        if (branches.ValueKind != JsonValueKind.Array || branches.GetArrayLength() == 0) throw Malformed(pointer, keyword, "must be a non-empty array");
        var flat = ReadBranches(schema, branches, pointer, keyword);

        bool overlap = false;
        var types = JsonTypes.None;
        foreach (var branch in flat)
        {
            overlap |= (Kinds(types) & Kinds(branch.Types)) != 0;
            types |= branch.Types;
        }
        (node.Types, node.Items, node.TypesSettled) = (types, JsonSchemaNode.Any, true); // Items unused: ArrayRules is a branch or the node holds no arrays
        if (!overlap) { TakeRulesByType(node, flat, pointer, keyword); return; }

        if (flat.Count > MaxChoices) throw Unsupported(pointer, keyword, $"with more than {MaxChoices} branches");
        if (keyword == "oneOf")
            for (int i = 0; i < flat.Count; i++)
                for (int j = i + 1; j < flat.Count; j++)
                    if (!Exclusive(flat[i], flat[j]))
                        throw Unsupported(pointer, "oneOf", $"with branches {i} and {j} that a value could satisfy both of (held where branches differ in type, " +
                            "in enum values, or in a required property's constant; anyOf takes overlapping branches)");
        node.Branches = [.. flat];
        foreach (var branch in flat) MarkDiscriminator(branch.ObjectRules);
    }

    /// <summary>The branches' nodes, with the keywords beside them merged into each, and a branch that is itself a union opened.</summary>
    List<JsonSchemaNode> ReadBranches(JsonElement schema, JsonElement branches, string pointer, string keyword)
    {
        bool besides = schema.EnumerateObject().Any(sibling => sibling.Name != keyword && !IsAnnotation(sibling));
        var siblings = new SchemaAt(schema, pointer).Without(keyword);
        var flat = new List<JsonSchemaNode>();
        for (int i = 0; i < branches.GetArrayLength(); i++)
        {
            string place = $"{pointer}/{keyword}/{i}";
            JsonSchemaNode branch;
            try { branch = besides && !_byPointer.ContainsKey(place) ? CompileMerged(place, keyword, [siblings, new SchemaAt(branches[i], place)]) : At(place); }
            catch (JsonSchemaMerger.NoCommonValueException e) when (e.Pointer == Readable(place)) { continue; } // a branch the keywords beside it rule out (a null branch beside "type": "object"), thrown before anything of it was kept
            if (!branch.TypesSettled) throw Unsupported(pointer, keyword, "that refers back to itself before its types are known");
            if (branch.Branches is { } inner) flat.AddRange(inner);
            else flat.Add(branch);
        }
        if (flat.Count == 0) throw Unsupported(pointer, keyword, "whose every branch shares no value with the keywords beside it");
        return flat;
    }

    /// <summary>Branches of different types: each type's rules (and enum values) from the branch of that type.</summary>
    static void TakeRulesByType(JsonSchemaNode node, List<JsonSchemaNode> branches, string pointer, string keyword)
    {
        var literals = new List<byte[]>();
        int enumBranches = 0, nullBranches = 0;
        foreach (var branch in branches)
        {
            if ((branch.Types & JsonTypes.Object) != 0) node.ObjectRules = branch.ObjectRules;
            if ((branch.Types & JsonTypes.Array) != 0) node.ArrayRules = branch.ArrayRules;
            if ((branch.Types & JsonTypes.String) != 0) node.StringRules = branch.StringRules;
            if ((branch.Types & (JsonTypes.Number | JsonTypes.Integer)) != 0) node.NumberRules = branch.NumberRules;
            if (branch.Literals is { } values) { literals.AddRange(values); enumBranches++; }
            else if (branch.Types == JsonTypes.Null) nullBranches++;
        }
        if (enumBranches == 0) return;
        // Values the node's literals leave out could not be written, so every branch must be an enum (or null).
        if (enumBranches + nullBranches != branches.Count) throw Unsupported(pointer, keyword, "mixing enum branches with branches that allow any value of their type");
        if (nullBranches > 0) literals.Add("null"u8.ToArray());
        if (literals.Count > MaxChoices) throw Unsupported(pointer, keyword, $"with more than {MaxChoices} enum values in all");
        node.Literals = [.. literals];
    }

    /// <summary>
    /// Whether no value satisfies both branches, as far as can be told from their rules: different types, enum values
    /// they do not share, or objects where one requires a property the other refuses or both require one with
    /// constants they do not share (a discriminator).
    /// </summary>
    static bool Exclusive(JsonSchemaNode a, JsonSchemaNode b)
    {
        var shared = Kinds(a.Types) & Kinds(b.Types);
        if (shared == JsonTypes.None) return true;
        if (a.Literals is { } left && b.Literals is { } right) return !left.Any(l => right.Any(r => l.AsSpan().SequenceEqual(r)));
        return shared == JsonTypes.Object && a.Literals is null && b.Literals is null &&
            (RequiresWhatTheOtherRefuses(a.ObjectRules, b.ObjectRules) || RequiresWhatTheOtherRefuses(b.ObjectRules, a.ObjectRules) || Discriminated(a.ObjectRules, b.ObjectRules));
    }

    static bool RequiresWhatTheOtherRefuses(JsonSchemaNode a, JsonSchemaNode b) =>
        b.AdditionalProperties is null && RequiredIndices(a).Any(i => IndexOfKey(b, a.PropertyKeys[i]) < 0);

    static bool Discriminated(JsonSchemaNode a, JsonSchemaNode b) => RequiredIndices(a).Any(i =>
        IndexOfKey(b, a.PropertyKeys[i]) is var j && j >= 0 && (b.Required >> j & 1) != 0 &&
        a.PropertySchemas[i].Literals is { } left && b.PropertySchemas[j].Literals is { } right &&
        !left.Any(l => right.Any(r => l.AsSpan().SequenceEqual(r))));

    static IEnumerable<int> RequiredIndices(JsonSchemaNode node) => Enumerable.Range(0, node.PropertyKeys.Length).Where(i => (node.Required >> i & 1) != 0);

    static int IndexOfKey(JsonSchemaNode node, byte[] key) => Array.FindIndex(node.PropertyKeys, k => k.AsSpan().SequenceEqual(key));

    /// <summary>
    /// An object branch whose first declared property is required and held to one constant (System.Text.Json's type
    /// discriminator, "$type" or a name given) writes it first: System.Text.Json reads the discriminator only there.
    /// A branch that is a $ref shares its node with the other places that refer to it, which then write that property
    /// first too: an order the schema allows, never a text it refuses.
    /// </summary>
    static void MarkDiscriminator(JsonSchemaNode rules)
    {
        if ((rules.Types & JsonTypes.Object) != 0 && rules.PropertyKeys.Length > 0 && (rules.Required & 1) != 0 && rules.PropertySchemas[0].Literals is { Length: 1 })
            rules.FirstPropertyLeads = true;
    }

    /// <summary>Number and integer count as one kind: a value's first byte cannot tell them apart.</summary>
    static JsonTypes Kinds(JsonTypes types) => (types & JsonTypes.Integer) != 0 ? types | JsonTypes.Number : types;

    /// <summary>The schema at a pointer: in the document, or in a merged schema below <see cref="MergedSegment"/>.</summary>
    JsonElement Resolve(string pointer)
    {
        if (pointer != "#" && !pointer.StartsWith("#/")) throw Malformed(pointer, "$ref", "must be \"#\" or start with \"#/\"");
        var element = _root;
        if (pointer == "#") return element;
        string place = "#";
        foreach (string segment in pointer[2..].Split('/'))
        {
            place += "/" + segment;
            if (segment == MergedSegment && _merged.TryGetValue(place, out var merged)) { element = merged; continue; }
            string name = segment.Replace("~1", "/").Replace("~0", "~");
            if (element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var child)) element = child;
            else if (element.ValueKind == JsonValueKind.Array && int.TryParse(name, out int index) && index >= 0 && index < element.GetArrayLength()) element = element[index];
            else throw Malformed(pointer, "$ref", "points to nothing in this schema");
        }
        return element;
    }

    /// <summary>A pointer as a $ref writes it: a URI fragment, each segment percent-encoded.</summary>
    internal static string ReferenceTo(string pointer) =>
        "#" + string.Concat(pointer[1..].Split('/').Skip(1).Select(segment => "/" + Uri.EscapeDataString(segment)));

    internal static string EscapePointer(string name) => name.Replace("~", "~0").Replace("/", "~1");

    static bool IsEmptySchema(JsonElement schema) =>
        schema.ValueKind == JsonValueKind.True ||
        schema.ValueKind == JsonValueKind.Object && schema.EnumerateObject().All(IsAnnotation);

    static bool IsAnnotation(JsonProperty keyword) => IsAnnotationKeyword(keyword.Name, keyword.Value);

    /// <summary>A keyword that does not constrain: an annotation, and a format other than those held as patterns.</summary>
    internal static bool IsAnnotationKeyword(string name, JsonElement value) => Annotations.Contains(name) &&
        !(name == "format" && value.ValueKind == JsonValueKind.String && StringFormats.PatternOf(value.GetString()!) is not null);

    static void CopyAny(JsonSchemaNode node) =>
        (node.Types, node.Items, node.AdditionalProperties) = (JsonTypes.Any, JsonSchemaNode.Any, JsonSchemaNode.Any);

    static NotSupportedException Unsupported(string pointer, string keyword, string detail) => new(detail.Length == 0
        ? $"JSON schema at {Readable(pointer)}: \"{keyword}\" is not enforced in generated text"
        : $"JSON schema at {Readable(pointer)}: \"{keyword}\" {detail} is not supported");

    static ArgumentException Malformed(string pointer, string keyword, string detail) => new($"JSON schema at {Readable(pointer)}: \"{keyword}\" {detail}");

    /// <summary>A place as the document names it: a merged schema's place is that of the schema it stands for.</summary>
    static string Readable(string pointer) => string.Join('/', pointer.Split('/').Where(segment => segment != MergedSegment));
}
