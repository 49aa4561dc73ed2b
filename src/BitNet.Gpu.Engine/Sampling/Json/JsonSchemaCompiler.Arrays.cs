using System.Text.Json;

namespace BitNet.Gpu.Engine.Sampling;

/// <summary>Arrays: <c>items</c>, tuples and <c>uniqueItems</c>.</summary>
internal sealed partial class JsonSchemaCompiler
{
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
}
