using System.Text.Json;

namespace BitNet.Gpu.Engine.Sampling;

/// <summary><c>anyOf</c> and <c>oneOf</c>: branches told apart by type, or followed side by side where they overlap.</summary>
internal sealed partial class JsonSchemaCompiler
{
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
}
