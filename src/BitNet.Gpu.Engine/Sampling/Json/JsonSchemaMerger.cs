using System.Text.Json;
using System.Text.Json.Nodes;

namespace BitNet.Gpu.Engine.Sampling;

/// <summary>A schema and its place (a JSON pointer, as the compiler names places), less the keywords already taken apart.</summary>
internal readonly record struct SchemaAt(JsonElement Schema, string Pointer, string[]? Leaving = null)
{
    public bool Has(string keyword, out JsonElement value)
    {
        value = default;
        return Schema.ValueKind == JsonValueKind.Object && (Leaving is null || !Leaving.Contains(keyword)) && Schema.TryGetProperty(keyword, out value);
    }

    public SchemaAt Without(string keyword) => this with { Leaving = [.. Leaving ?? [], keyword] };
}

/// <summary>
/// Merges schemas that must all hold (the schemas of an <c>allOf</c>, a <c>$ref</c> and the keywords beside it, the
/// keywords beside an <c>anyOf</c> with one of its branches) into one schema, keyword by keyword: types intersect,
/// <c>required</c> lists join, bounds take the tighter side, enum values intersect, and a property or item schema given by
/// both becomes an <c>allOf</c> of the two (merged in turn when it is compiled). Properties join: a property any of them
/// declares is allowed, as schema generators compose types with <c>allOf</c> (a base type's properties and a derived
/// type's), and <c>additionalProperties</c> then governs only the keys none of them declares. A keyword the schemas
/// give differently and that has no merge here (two patterns, two tuples, an <c>anyOf</c> in each) is refused, naming it.
/// The merged schema holds no schema of its own: each schema inside it is a <c>$ref</c> to its place in the document,
/// so a merge is as small as the keywords merged, however deep the schemas below them.
/// </summary>
internal static class JsonSchemaMerger
{
    static readonly string[] Lower = ["minLength", "minItems", "minProperties", "minimum", "exclusiveMinimum"];
    static readonly string[] Upper = ["maxLength", "maxItems", "maxProperties", "maximum", "exclusiveMaximum"];
    static readonly string[] TypeNames = ["object", "array", "string", "number", "integer", "boolean", "null"];

    // Keywords whose value is a schema, an array of schemas, or an object of schemas: written as references to them.
    static readonly string[] OneSchema = ["items", "additionalProperties", "additionalItems", "contains", "propertyNames", "not", "if", "then", "else", "unevaluatedItems", "unevaluatedProperties"];
    static readonly string[] SchemaLists = ["prefixItems", "anyOf", "oneOf", "allOf"];
    static readonly string[] SchemaMaps = ["properties", "patternProperties", "dependentSchemas"];

    /// <summary>
    /// The one schema that holds where all of them hold. <paramref name="resolve"/> gives the schema at a pointer
    /// ($ref targets); <paramref name="pointer"/> and <paramref name="keyword"/> name the place in errors.
    /// </summary>
    /// <exception cref="NoCommonValueException">Schemas whose types or enum values have none in common.</exception>
    /// <exception cref="NotSupportedException">A keyword the schemas give differently that is not merged.</exception>
    public static JsonElement Merge(IEnumerable<SchemaAt> schemas, Func<string, JsonElement> resolve, string pointer, string keyword)
    {
        var merged = new JsonObject();
        var given = new Dictionary<string, JsonElement>(); // each keyword as first given, to compare later ones with
        foreach (var schema in Flatten(schemas, resolve, pointer, keyword, depth: 0))
            foreach (var member in schema.Schema.EnumerateObject())
            {
                if (member.Name is "nullable" or "$ref" or "$defs" or "definitions" || !schema.Has(member.Name, out _)) continue; // nullable is folded into type
                var value = member.Name == "type" && IsNullable(schema.Schema) ? JsonSerializer.SerializeToElement(TypesOf(member.Value).Append("null")) : member.Value;
                MergeKeyword(merged, given, member.Name, value, schema.Pointer, pointer, keyword);
            }
        return JsonSerializer.SerializeToElement(merged);
    }

    /// <summary>Each schema with its $ref followed and its allOf opened (the rest of it kept beside them), true dropped; false refused.</summary>
    static IEnumerable<SchemaAt> Flatten(IEnumerable<SchemaAt> schemas, Func<string, JsonElement> resolve, string pointer, string keyword, int depth)
    {
        if (depth > JsonSchemaCompiler.MaxNesting) throw Unsupported(pointer, keyword, $"nested deeper than {JsonSchemaCompiler.MaxNesting} schemas");
        foreach (var schema in schemas)
        {
            if (schema.Schema.ValueKind == JsonValueKind.True) continue;
            if (schema.Schema.ValueKind == JsonValueKind.False) throw Unsupported(pointer, keyword, "with a false schema (no value satisfies it)");
            if (schema.Schema.ValueKind != JsonValueKind.Object) throw new ArgumentException($"JSON schema at {pointer}: \"{keyword}\" must hold schemas (objects or booleans)");
            IEnumerable<SchemaAt> parts;
            if (schema.Has("$ref", out var reference))
            {
                string targetPointer = JsonSchemaCompiler.ReferenceTarget(reference, schema.Pointer);
                parts = [new SchemaAt(resolve(targetPointer), targetPointer), schema.Without("$ref")];
            }
            else if (schema.Has("allOf", out var all))
            {
                if (all.ValueKind != JsonValueKind.Array) throw new ArgumentException($"JSON schema at {schema.Pointer}: \"allOf\" must be a non-empty array");
                parts = [.. all.EnumerateArray().Select((part, i) => new SchemaAt(part, $"{schema.Pointer}/allOf/{i}")), schema.Without("allOf")];
            }
            else
            {
                yield return schema;
                continue;
            }
            foreach (var part in Flatten(parts, resolve, pointer, keyword, depth + 1)) yield return part;
        }
    }

    static bool IsNullable(JsonElement schema) => schema.TryGetProperty("nullable", out var nullable) && nullable.ValueKind == JsonValueKind.True;

    /// <param name="at">The place of the schema the keyword is from.</param>
    static void MergeKeyword(JsonObject merged, Dictionary<string, JsonElement> given, string name, JsonElement value, string at, string pointer, string keyword)
    {
        if (name == "type")
        {
            merged["type"] = MergeTypes(merged["type"], value, pointer, keyword);
            return;
        }
        if (name is "enum" or "const")
        {
            merged["enum"] = Intersect(merged, name, value, pointer, keyword);
            merged.Remove("const");
            return;
        }
        var written = Referenced(name, value, at);
        if (!given.TryGetValue(name, out var earlier))
        {
            given[name] = value;
            merged[name] = written;
            return;
        }
        var known = merged[name];
        switch (name)
        {
            case "required" when known is JsonArray list && value.ValueKind == JsonValueKind.Array:
                var names = list.Select(n => n?.GetValueKind() == JsonValueKind.String ? n.GetValue<string>() : null).ToHashSet();
                foreach (var item in value.EnumerateArray())
                    if (item.ValueKind == JsonValueKind.String && names.Add(item.GetString()!)) list.Add(item.GetString());
                break;
            case "properties" when known is JsonObject properties && written is JsonObject more:
                foreach (var (property, schema) in more.ToList())
                {
                    more.Remove(property);
                    properties[property] = properties[property] is { } both ? AllOf(both.DeepClone(), schema) : schema;
                }
                break;
            case "additionalProperties" or "items" when IsSchema(value.ValueKind) && known is not null && IsSchema(known.GetValueKind()):
                merged[name] = value.ValueKind == JsonValueKind.False || known.GetValueKind() == JsonValueKind.False ? false : AllOf(known.DeepClone(), written);
                break;
            case var _ when (Array.IndexOf(Lower, name) >= 0 || Array.IndexOf(Upper, name) >= 0) && value.ValueKind == JsonValueKind.Number && earlier.ValueKind == JsonValueKind.Number:
                bool tighter = Array.IndexOf(Lower, name) >= 0 ? value.GetDouble() > earlier.GetDouble() : value.GetDouble() < earlier.GetDouble();
                if (tighter) (merged[name], given[name]) = (written, value);
                break;
            default:
                if (JsonSchemaCompiler.IsAnnotationKeyword(name, value)) break; // the first one given stands
                if (!JsonElement.DeepEquals(earlier, value))
                    throw Unsupported(pointer, keyword, $"whose schemas give \"{name}\" differently (only type, required, properties, items, additionalProperties, enum, const and bounds are merged)");
                break;
        }
    }

    /// <summary>The keyword's value as the merged schema holds it: each schema in it a reference to its place.</summary>
    static JsonNode? Referenced(string name, JsonElement value, string at)
    {
        if (Array.IndexOf(OneSchema, name) >= 0 && value.ValueKind == JsonValueKind.Object) return Reference(value, $"{at}/{name}");
        if ((Array.IndexOf(SchemaLists, name) >= 0 || name == "items") && value.ValueKind == JsonValueKind.Array)
            return new JsonArray([.. value.EnumerateArray().Select((schema, i) => Reference(schema, $"{at}/{name}/{i}"))]);
        if (Array.IndexOf(SchemaMaps, name) >= 0 && value.ValueKind == JsonValueKind.Object)
            return new JsonObject(value.EnumerateObject().Select(p => KeyValuePair.Create(p.Name, Reference(p.Value, $"{at}/{name}/{JsonSchemaCompiler.EscapePointer(p.Name)}"))));
        return JsonNode.Parse(value.GetRawText()); // a scalar, or a short list of them (type, required, enum)
    }

    /// <summary>A schema as a $ref to its place (true and false as they are; a bare $ref as it is).</summary>
    static JsonNode? Reference(JsonElement schema, string place)
    {
        if (schema.ValueKind is JsonValueKind.True or JsonValueKind.False) return schema.ValueKind == JsonValueKind.True;
        if (schema.ValueKind == JsonValueKind.Object && schema.EnumerateObject().Count() == 1 && schema.TryGetProperty("$ref", out var reference))
            return new JsonObject { ["$ref"] = reference.GetString() };
        return new JsonObject { ["$ref"] = JsonSchemaCompiler.ReferenceTo(place) };
    }

    static bool IsSchema(JsonValueKind kind) => kind is JsonValueKind.Object or JsonValueKind.True or JsonValueKind.False;

    /// <summary>The types both allow (integer within number), with nullable read as a type.</summary>
    static JsonNode MergeTypes(JsonNode? known, JsonElement type, string pointer, string keyword)
    {
        var given = TypesOf(type);
        if (known is null) return ToNode(given);
        var earlier = TypesOf(JsonSerializer.SerializeToElement(known));
        var both = earlier.Where(t => given.Contains(t) || t == "integer" && given.Contains("number")).Concat(given.Where(t => t == "integer" && earlier.Contains("number"))).Distinct().ToList();
        if (both.Count == 0) throw new NoCommonValueException(pointer, keyword, $"whose schemas share no type ({string.Join(", ", earlier)} against {string.Join(", ", given)})");
        return ToNode(both);
    }

    static List<string> TypesOf(JsonElement type) => type.ValueKind switch
    {
        JsonValueKind.String => [type.GetString()!],
        JsonValueKind.Array => [.. type.EnumerateArray().Where(t => t.ValueKind == JsonValueKind.String).Select(t => t.GetString()!)],
        _ => [.. TypeNames],
    };

    static JsonNode ToNode(List<string> types) => types.Count == 1 ? JsonValue.Create(types[0]) : new JsonArray([.. types.Select(t => (JsonNode)JsonValue.Create(t))]);

    /// <summary>The enum values (or const) both schemas allow, compared as JSON values.</summary>
    static JsonArray Intersect(JsonObject merged, string name, JsonElement value, string pointer, string keyword)
    {
        List<JsonElement> given = name == "const" ? [value] : value.ValueKind == JsonValueKind.Array ? [.. value.EnumerateArray()] : [];
        var earlier = merged["enum"] is JsonArray list ? [.. list.Select(e => JsonSerializer.SerializeToElement(e))] : (List<JsonElement>?)null;
        var kept = earlier is null ? given : [.. earlier.Where(e => given.Any(v => JsonElement.DeepEquals(e, v)))];
        if (kept.Count == 0) throw new NoCommonValueException(pointer, keyword, "whose schemas' enum or const values share none");
        return new JsonArray([.. kept.Select(v => JsonNode.Parse(v.GetRawText()))]);
    }

    static JsonObject AllOf(JsonNode? first, JsonNode? second) => new() { ["allOf"] = new JsonArray(first, second) };

    /// <summary>The schemas merged share no value: their types or their enum values have none in common.</summary>
    public sealed class NoCommonValueException(string pointer, string keyword, string detail) : NotSupportedException(Unsupported(pointer, keyword, detail).Message)
    {
        /// <summary>The place of the schemas merged.</summary>
        public string Pointer { get; } = pointer;
    }

    static NotSupportedException Unsupported(string pointer, string keyword, string detail) =>
        new($"JSON schema at {pointer}: \"{keyword}\" {detail} is not supported");
}
