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
internal sealed partial class JsonSchemaCompiler
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
        "not", "if", "then",
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
        string target = ReferenceTarget(reference, pointer);
        if (element.EnumerateObject().Any(keyword => keyword.Name != "$ref" && !IsAnnotation(keyword) && !IsEmptySchema(keyword.Value)))
            return CompileMerged(pointer, "$ref", [new SchemaAt(element, pointer)]); // both hold, as in drafts since 2019-09
        if (!_followingRefs.Add(pointer)) throw Malformed(pointer, "$ref", "is a loop of references");
        JsonSchemaNode node;
        try { node = At(target); }
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
        ReadMultipleOf(node, schema, pointer); // first: a whole step makes the bounds an integer's
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
            JsonValueKind.Number when node.HasIntegerRules => value.TryGetInt64(out long number) && number >= node.Minimum && number <= node.Maximum
                && (node.MultipleOf == 0 || number % node.MultipleOf == 0),
            JsonValueKind.Number when node.DecimalBounds is { } bounds => value.TryGetDecimal(out decimal number) && number >= bounds.Low && number <= bounds.High
                && number % bounds.MultipleStep == 0,
            _ => true,
        };
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

    /// <summary>The place a $ref at pointer names, as a pointer (its percent-encoding undone).</summary>
    internal static string ReferenceTarget(JsonElement reference, string pointer)
    {
        if (reference.ValueKind != JsonValueKind.String || reference.GetString() is not { } target || !target.StartsWith('#'))
            throw Malformed(pointer, "$ref", "must be a JSON pointer into this schema, starting with \"#\"");
        return Uri.UnescapeDataString(target);
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
