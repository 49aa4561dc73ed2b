using System.Text.Json;

namespace BitNet.Gpu.Engine.Sampling;

/// <summary>
/// A JSON Schema made ready to hold generated text to it (structured output): with
/// <see cref="Generation.GenerationRequest.JsonSchema"/> every token that would take the text off the schema is never
/// drawn. Compile once and share: it is immutable.
/// <para>
/// Held: <c>type</c> (and type arrays, <c>nullable</c>), <c>properties</c>, <c>required</c>, <c>additionalProperties</c>
/// (absent with <c>properties</c> means no other keys, as llama.cpp's grammars have it), <c>minProperties</c>/
/// <c>maxProperties</c>, <c>items</c>, tuples (<c>prefixItems</c>, or <c>items</c> as an array with
/// <c>additionalItems</c>), <c>minItems</c>/<c>maxItems</c>, <c>uniqueItems</c> (over scalar items), <c>minLength</c>/<c>maxLength</c>, <c>pattern</c> (ECMAScript, as a finite
/// automaton, lookahead included: no backreferences or lookbehind), <c>format</c> <c>date</c>, <c>time</c>, <c>date-time</c>,
/// <c>uuid</c>, <c>ipv4</c> and <c>ipv6</c> (as .NET's date, time, Guid and IPAddress types read them), <c>minimum</c>/<c>maximum</c> (and their exclusive
/// forms; a number that may have a fraction is then written without an exponent, with at most 9 decimals), <c>multipleOf</c> (a whole step; a step with a fraction such as 0.01 or 0.25: at most its decimals, on its multiples),
/// <c>enum</c>/<c>const</c> of scalars, <c>anyOf</c> (branches that overlap, such as a discriminated union of objects,
/// are followed side by side; keywords beside it hold for every branch), <c>oneOf</c> where its branches exclude each
/// other (types, enum values or a required property's constants), <c>allOf</c> (merged into one schema), and <c>$ref</c>
/// within the document (recursion included). Properties may come in any order, except that an object branch of a union
/// whose first property is a required constant (System.Text.Json's type discriminator) writes it first.
/// Annotations (<c>description</c>, <c>discriminator</c>, other formats, ...) are ignored; other validation keywords
/// (<c>multipleOf</c> with more than 9 decimals, <c>uniqueItems</c> on objects, ...) are refused rather than left unchecked. The root must allow an object.
/// </para>
/// </summary>
/// <example><c>var schema = CompiledJsonSchema.Parse("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}""");</c></example>
public sealed class CompiledJsonSchema
{
    CompiledJsonSchema(JsonElement schema, JsonSchemaNode root) => (Schema, Root) = (schema, root);

    /// <summary>The schema as given.</summary>
    public JsonElement Schema { get; }

    internal JsonSchemaNode Root { get; }

    /// <summary>Compiles a schema document.</summary>
    /// <exception cref="NotSupportedException">A keyword or combination that is not enforced; the message names its place and the keyword.</exception>
    /// <exception cref="ArgumentException">A malformed schema; the message names its place and the keyword.</exception>
    public static CompiledJsonSchema Compile(JsonElement schema)
    {
        var copy = schema.Clone();
        return new CompiledJsonSchema(copy, JsonSchemaCompiler.Compile(copy));
    }

    /// <summary>Compiles a schema from its JSON text.</summary>
    /// <exception cref="ArgumentException">Text that is not JSON, or a malformed schema.</exception>
    /// <exception cref="NotSupportedException">A keyword or combination that is not enforced.</exception>
    public static CompiledJsonSchema Parse(string schemaJson)
    {
        ArgumentNullException.ThrowIfNull(schemaJson);
        JsonDocument document;
        try { document = JsonDocument.Parse(schemaJson); }
        catch (JsonException e) { throw new ArgumentException($"JSON schema: not valid JSON ({e.Message})", nameof(schemaJson), e); }
        using (document) return Compile(document.RootElement);
    }
}
