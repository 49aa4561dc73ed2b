using BitNet.Gpu.Engine.Sampling.Patterns;

namespace BitNet.Gpu.Engine.Sampling;

/// <summary>The JSON types a schema allows, as a set.</summary>
[Flags]
internal enum JsonTypes : byte
{
    None = 0,
    Object = 1,
    Array = 2,
    String = 4,
    Number = 8,   // any number
    Integer = 16, // a number without fraction or exponent
    Boolean = 32,
    Null = 64,
    Any = Object | Array | String | Number | Integer | Boolean | Null,
}

/// <summary>
/// One schema of a <see cref="CompiledJsonSchema"/>, reduced to what <see cref="JsonSchemaPrefix"/> checks byte by byte.
/// Nodes may refer to themselves ($ref), so they are filled after they are made.
/// </summary>
internal sealed class JsonSchemaNode
{
    /// <summary>The value that any JSON value satisfies (an empty schema, or true).</summary>
    public static readonly JsonSchemaNode Any = CreateAny();

    public JsonTypes Types = JsonTypes.Any;

    // Objects: each declared property at most once, in any order; '}' once every required one is present.
    /// <summary>Each declared property's name as a JSON string, quotes included, as a key must spell it.</summary>
    public byte[][] PropertyKeys = [];
    public JsonSchemaNode[] PropertySchemas = [];
    /// <summary>Bit i: property i is required.</summary>
    public ulong Required;
    /// <summary>The schema of keys not declared, or null where only declared keys are allowed.</summary>
    public JsonSchemaNode? AdditionalProperties;
    public int MinProperties;
    public int MaxProperties = int.MaxValue;
    /// <summary>
    /// The first declared property is written first: a branch's type discriminator (required, one constant), which
    /// System.Text.Json reads only as an object's first property.
    /// </summary>
    public bool FirstPropertyLeads;

    // Arrays: item i follows PrefixItems[i] (a tuple), the items after them Items.
    public JsonSchemaNode[] PrefixItems = [];
    public JsonSchemaNode Items = null!;
    public int MinItems;
    public int MaxItems = int.MaxValue;
    /// <summary>uniqueItems: no two items equal (items are scalars: see <see cref="UniqueValues"/>).</summary>
    public bool UniqueItems;

    // Strings: length in characters (Unicode code points; an escape is one).
    public int MinLength;
    public int MaxLength = int.MaxValue;
    /// <summary>pattern or format: the automaton the string's characters must take it through (length bounds folded in), else null.</summary>
    public PatternAutomaton? Pattern;

    // Integers (where the type allows no fraction): minimum, maximum and their exclusive forms, as whole bounds.
    public long Minimum = long.MinValue;
    public long Maximum = long.MaxValue;

    /// <summary>enum / const: the value must be one of these compact JSON texts (scalars only), else null.</summary>
    public byte[][]? Literals;
    /// <summary>Where the node is the items of an array with uniqueItems: each enum value's hash (see <see cref="UniqueValues"/>).</summary>
    public ulong[]? LiteralHashes;

    /// <summary>
    /// anyOf / oneOf whose branches overlap (two objects, say), so no byte settles at once which one holds: the branches,
    /// each followed beside the others while the text still satisfies it (see <see cref="JsonSchemaChoices"/>); else null.
    /// </summary>
    public JsonSchemaNode[]? Branches;

    /// <summary>
    /// The nodes whose object, array and string rules apply: this node, or for anyOf the branch of that type (a
    /// reference, so a branch that refers back through $ref may still be being filled).
    /// </summary>
    public JsonSchemaNode ObjectRules, ArrayRules, StringRules, NumberRules;

    /// <summary>True once <see cref="Types"/> and <see cref="Literals"/> are final (a $ref may meet a node still being filled).</summary>
    public bool TypesSettled;

    /// <summary>The schema of the array's item at index (from 0).</summary>
    public JsonSchemaNode ItemAt(int index) => index < PrefixItems.Length ? PrefixItems[index] : Items;

    /// <summary>multipleOf, where it is a whole number (the node then holds integers only); 0 where there is none.</summary>
    public long MultipleOf;

    /// <summary>The most decimals a number that may have a fraction is written with: fewer than
    /// <see cref="DecimalReader.MaxFractionDigits"/> for a multipleOf with a fraction (then kept in <see cref="DecimalBounds"/>).</summary>
    public int DecimalPlaces = DecimalReader.MaxFractionDigits;

    /// <summary>A multipleOf with a fraction in steps of 10^−<see cref="DecimalPlaces"/> (0.25: 25 hundredths); 1 where there is none.</summary>
    public long DecimalMultiple = 1;

    public bool HasIntegerBounds => Minimum != long.MinValue || Maximum != long.MaxValue;

    /// <summary>Integers read digit by digit: bounds or a multipleOf to keep.</summary>
    public bool HasIntegerRules => HasIntegerBounds || MultipleOf > 0;

    /// <summary>Numbers that may have a fraction: minimum, maximum and their exclusive forms on the written grid, else null.</summary>
    public DecimalBounds? DecimalBounds;

    public JsonSchemaNode() => ObjectRules = ArrayRules = StringRules = NumberRules = this;

    static JsonSchemaNode CreateAny()
    {
        var any = new JsonSchemaNode { TypesSettled = true };
        any.Items = any;
        any.AdditionalProperties = any;
        return any;
    }
}
