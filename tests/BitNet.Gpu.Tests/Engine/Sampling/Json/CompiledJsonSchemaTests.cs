using BitNet.Gpu.Engine.Sampling;

namespace BitNet.Gpu.Tests.Engine.Sampling.Json;

/// <summary>
/// Compiling a schema: what is held compiles, annotations are ignored, and every keyword that is not enforced or is
/// malformed is refused with a message naming its place and the keyword.
/// </summary>
public class CompiledJsonSchemaTests
{
    [Theory]
    [InlineData(JsonSchemaPrefixTests.Weather)]
    [InlineData(JsonSchemaPrefixTests.Bounded)]
    [InlineData(JsonSchemaPrefixTests.Recursive)]
    [InlineData(JsonSchemaPrefixTests.Patterned)]
    [InlineData(JsonSchemaPrefixTests.Numbers)]
    [InlineData(JsonSchemaPrefixTests.Steps)]
    [InlineData(JsonSchemaPrefixTests.Tuples)]
    [InlineData("""{"allOf":[{"type":"object"}],"description":"d"}""")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"array","items":[{"type":"string"}]}}}""")]
    [InlineData("""{"type":"object","properties":{"n":{"maximum":0},"m":{"type":"number","minimum":1e-30,"maximum":1e30}}}""")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"string","format":"uri","pattern":"^x"},"b":{"type":"integer","format":"date"}}}""")]
    [InlineData("""{"type":"object","properties":{"a":{"format":"date"},"b":{"type":"array","items":{"format":"uuid"}}}}""")]
    [InlineData("""{"type":"object"}""")]
    [InlineData("""{}""")]
    [InlineData("""true""")]
    [InlineData("""{"title":"t","description":"d","type":"object","properties":{"a":{"type":"string","format":"uri","default":"x","examples":["y"]}}}""")]
    [InlineData("""{"$ref":"#/$defs/root","$defs":{"root":{"type":"object","properties":{"self":{"$ref":"#/$defs/root"}}}}}""")]
    [InlineData("""{"anyOf":[{"type":"object"},{"type":"array","items":{"type":"integer"}}]}""")]
    [InlineData(JsonSchemaPrefixTests.Unions)]
    [InlineData(JsonSchemaPrefixTests.Sets)]
    [InlineData("""{"type":"object","properties":{"a":{"type":"array","items":{"enum":["x","y"]},"uniqueItems":true,"minItems":2}}}""")]
    [InlineData("""{"type":"object","anyOf":[{"properties":{"a":{}}},{"type":"null"}]}""")]
    [InlineData("""{"type":"object","properties":{"a":{"anyOf":[{"type":"string"},{"type":"null"}],"format":"date"}}}""")]
    [InlineData("""{"allOf":[{"type":"object"},{"required":["a"],"properties":{"a":{}}}]}""")]
    [InlineData("""{"type":"object","properties":{"a":{"anyOf":[{"type":"integer"},{"type":"number"}]},"b":{"anyOf":[{"type":"object"},{"type":"object"}]}}}""")]
    [InlineData("""{"type":"object","properties":{"a":{"$ref":"#/$defs/b","minLength":1}},"$defs":{"b":{"type":"string"}}}""")]
    [InlineData("""{"type":"object","properties":{"a":{"oneOf":[{"enum":["x"]},{"enum":["y",1]},{"type":"null"}]}}}""")]
    public void HeldSchemas_Compile(string schema) => Assert.NotNull(CompiledJsonSchema.Parse(schema));

    [Theory]
    [InlineData("""{"type":"object","properties":{"a":{"type":"string","pattern":"^(?<!x)"}}}""", "#/properties/a", "\"pattern\" uses lookbehind")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"string","pattern":"^x$","maxLength":0}}}""", "#/properties/a", "\"pattern\" matches no string")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"string","format":"date","maxLength":4}}}""", "#/properties/a", "\"format\" matches no string")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"string","format":"date","pattern":"^1"}}}""", "#/properties/a", "pattern")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"string","pattern":"^(a{100}){300}$"}}}""", "#/properties/a", "automaton states")]
    [InlineData("""{"type":"object","properties":{"n":{"type":"number","minimum":1e25}}}""", "#/properties/n", "leave no number of at most 19 integer digits")]
    [InlineData("""{"type":"object","properties":{"n":{"type":"number","exclusiveMinimum":0,"exclusiveMaximum":1e-10}}}""", "#/properties/n", "and 9 decimals")]
    [InlineData("""{"type":"object","properties":{"n":{"minimum":0.5,"maximum":0.25}}}""", "#/properties/n", "\"minimum\" and \"maximum\"")]
    [InlineData("""{"type":"object","properties":{"n":{"type":"integer","minimum":5,"exclusiveMaximum":5}}}""", "#/properties/n", "minimum")]
    [InlineData("""{"allOf":[{"type":"object"}],"required":["a"]}""", "#", "\"required\" naming \"a\"")]
    [InlineData("""{"type":"object","properties":{"a":{"oneOf":[{"type":"object"},{"type":"object","properties":{"b":{}}}]}}}""", "#/properties/a", "\"oneOf\" with branches 0 and 1")]
    [InlineData("""{"type":"object","properties":{"a":{"oneOf":[{"type":"string"},{"enum":["x"]}]}}}""", "#/properties/a", "\"oneOf\" with branches 0 and 1")]
    [InlineData("""{"type":"object","properties":{"a":{"allOf":[{"pattern":"^a"},{"pattern":"b$"}]}}}""", "#/properties/a", "give \"pattern\" differently")]
    [InlineData("""{"type":"object","properties":{"a":{"allOf":[{"type":"string"},{"type":["integer","null"]}]}}}""", "#/properties/a", "share no type")]
    [InlineData("""{"type":"object","properties":{"a":{"allOf":[{"enum":[1,2]},{"const":3}]}}}""", "#/properties/a", "share none")]
    [InlineData("""{"type":"object","properties":{"a":{"allOf":[{"anyOf":[{"type":"string"}]},{"anyOf":[{"type":"null"}]}]}}}""", "#/properties/a", "give \"anyOf\" differently")]
    [InlineData("""{"type":"object","properties":{"a":{"anyOf":[{"type":"string"},{"type":"object"}],"type":"integer"}}}""", "#/properties/a", "every branch shares no value")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"array","uniqueItems":true}}}""", "#/properties/a", "\"uniqueItems\" on items that may be objects or arrays")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"number","multipleOf":0.0000000001}}}""", "#/properties/a", "\"multipleOf\" of 0.0000000001 (more than 9 decimals")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"integer","multipleOf":1e-40}}}""", "#/properties/a", "\"multipleOf\" of 1e-40 (more than 9 decimals")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"number","multipleOf":0.25,"minimum":0.3,"maximum":0.45}}}""", "#/properties/a", "a multiple of multipleOf, between them")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"number","multipleOf":0.000000003,"minimum":9000000000000000000.000000001,"maximum":9000000000000000000.000000002}}}""", "#/properties/a", "a multiple of multipleOf, between them")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"number","multipleOf":0.01,"minimum":0.001,"maximum":0.009}}}""", "#/properties/a", "2 decimals between them")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"integer","multipleOf":5,"minimum":1,"maximum":4}}}""", "#/properties/a", "no multiple from 1 to 4")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"array","items":{"type":"number"},"uniqueItems":true}}}""", "#/properties/a", "on numbers that may have a fraction")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"array","items":{"type":"integer","maximum":9},"uniqueItems":true}}}""", "#/properties/a", "on integers with minimum or maximum")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"array","items":{"type":"string","maxLength":1},"uniqueItems":true}}}""", "#/properties/a", "on strings with maxLength")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"array","items":{"enum":[1.5]},"uniqueItems":true}}}""", "#/properties/a", "a number with a fraction")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"array","items":{"type":"boolean"},"uniqueItems":true,"minItems":3}}}""", "#/properties/a", "\"minItems\" of 3 with uniqueItems")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"array","prefixItems":[{"type":"string"}],"uniqueItems":true}}}""", "#/properties/a", "on a tuple")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"array","additionalItems":false}}}""", "#/properties/a", "additionalItems")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"array","prefixItems":[{}],"items":false,"minItems":2}}}""", "#/properties/a", "minItems")]
    [InlineData("""{"properties":{"a":{},"b":{}},"required":["a","b"],"maxProperties":1}""", "#", "maxProperties")]
    [InlineData("""{"properties":{"a":{}},"minProperties":2}""", "#", "minProperties")]
    [InlineData("""{"type":"array"}""", "#", "root must allow an object")]
    [InlineData("""{"type":"string","enum":["a"]}""", "#", "root must allow an object")]
    [InlineData("""{"type":"object","properties":{"a":{"anyOf":[{"enum":["x"]},{"type":"integer"}]}}}""", "#/properties/a", "anyOf")]
    [InlineData("""{"type":"object","properties":{"a":{"enum":[{"x":1}]}}}""", "#/properties/a", "enum")]
    [InlineData("""{"type":"object","properties":{"a":false}}""", "#/properties/a", "false")]
    [InlineData("""{"type":"object","required":["b"],"properties":{"a":{}}}""", "#", "required")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"string","enum":[1]}}}""", "#/properties/a", "type")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"integer","enum":[1,2],"minimum":5}}}""", "#/properties/a", "enum")]
    [InlineData("""{"type":"object","properties":{"a":{"enum":["long","longer"],"maxLength":3}}}""", "#/properties/a", "enum")]
    public void UnsupportedKeywords_AreRefused_NamingTheirPlace(string schema, string place, string keyword)
    {
        var error = Assert.Throws<NotSupportedException>(() => CompiledJsonSchema.Parse(schema));
        Assert.Contains($"at {place}:", error.Message);
        Assert.Contains(keyword, error.Message);
    }

    [Theory]
    [InlineData("""{"type":"object","properties":{"a":{"type":"text"}}}""", "#/properties/a", "type")]
    [InlineData("""{"type":"object","properties":{"a":{"$ref":"#/$defs/missing"}}}""", "#/$defs/missing", "$ref")]
    [InlineData("""{"type":"object","properties":{"a":{"$ref":"https://example.com/s"}}}""", "#/properties/a", "$ref")]
    [InlineData("""{"$ref":"#"}""", "#", "$ref")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"array","minItems":3,"maxItems":2}}}""", "#/properties/a", "minItems")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"string","maxLength":-1}}}""", "#/properties/a", "maxLength")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"integer","minimum":"zero"}}}""", "#/properties/a", "minimum")]
    [InlineData("""{"type":"object","properties":{"a":{"enum":[]}}}""", "#/properties/a", "enum")]
    [InlineData("""{"type":"object","properties":[]}""", "#", "properties")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"array","prefixItems":{}}}}""", "#/properties/a", "prefixItems")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"array","items":3}}}""", "#/properties/a", "items")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"array","uniqueItems":1}}}""", "#/properties/a", "uniqueItems")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"integer","multipleOf":0}}}""", "#/properties/a", "multipleOf")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"integer","multipleOf":"x"}}}""", "#/properties/a", "multipleOf")]
    [InlineData("""{"allOf":[]}""", "#", "allOf")]
    [InlineData("""{"type":"object","properties":{"a":7}}""", "#/properties/a", "schema must be an object")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"string","pattern":"(a"}}}""", "#/properties/a", "\"pattern\" is not a valid regular expression: '(' without ')' at character 1")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"string","pattern":3}}}""", "#/properties/a", "pattern")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"string","pattern":"x\ud83d"}}}""", "#/properties/a/pattern", "lone surrogate")]
    [InlineData("""{"type":"object","properties":{"a":{"enum":["\ude00"]}}}""", "#/properties/a/enum/0", "lone surrogate")]
    [InlineData("""{"type":"object","properties":{"\ud83d":{}}}""", "#/properties", "property name with a lone surrogate")]
    [InlineData("""{"type":"object",""", "", "not valid JSON")]
    public void MalformedSchemas_AreRefused_NamingTheirPlace(string schema, string place, string keyword)
    {
        var error = Assert.Throws<ArgumentException>(() => CompiledJsonSchema.Parse(schema));
        Assert.Contains(place.Length == 0 ? "JSON schema" : $"at {place}:", error.Message);
        Assert.Contains(keyword, error.Message);
    }

    [Fact]
    public void AChainOfReferencesPastTheNestingLimit_IsRefused_NotAStackOverflow()
    {
        string Chain(int length) => "{\"$ref\":\"#/$defs/d0\",\"$defs\":{" +
            string.Join(",", Enumerable.Range(0, length).Select(i => $"\"d{i}\":{{\"$ref\":\"#/$defs/d{i + 1}\"}}")) + $",\"d{length}\":{{\"type\":\"object\"}}}}}}";
        Assert.NotNull(CompiledJsonSchema.Parse(Chain(200)));
        var error = Assert.Throws<NotSupportedException>(() => CompiledJsonSchema.Parse(Chain(50_000)));
        Assert.Contains("deeper than 256", error.Message);
    }

    [Theory]
    [InlineData("{\"type\":\"object\",\"anyOf\":[", "]}")]           // keywords beside anyOf: merged into each branch, level after level
    [InlineData("{\"allOf\":[{\"type\":\"object\"},", "]}")]
    [InlineData("{\"type\":\"object\",\"properties\":{\"a\":", "},\"required\":[\"a\"],\"allOf\":[true,true]}")]
    public void MergesNestedPastTheNestingLimits_AreRefused_NotAStackOverflow(string open, string close)
    {
        string Nested(int depth) => string.Concat(Enumerable.Repeat(open, depth)) + "{\"type\":\"object\"}" + string.Concat(Enumerable.Repeat(close, depth));
        Assert.NotNull(CompiledJsonSchema.Compile(Parse(Nested(50))));
        Assert.Contains("deeper than 256 schemas", Assert.Throws<NotSupportedException>(() => CompiledJsonSchema.Compile(Parse(Nested(300)))).Message);
        Assert.Contains("deeper than 1024 levels", Assert.Throws<NotSupportedException>(() => CompiledJsonSchema.Compile(Parse(Nested(5_000)))).Message);

        static System.Text.Json.JsonElement Parse(string text) =>
            System.Text.Json.JsonDocument.Parse(text, new System.Text.Json.JsonDocumentOptions { MaxDepth = 100_000 }).RootElement;
    }

    [Fact]
    public void TooManyPropertiesOrEnumValues_AreRefused()
    {
        string properties = string.Join(",", Enumerable.Range(0, 65).Select(i => $"\"p{i}\":{{}}"));
        Assert.Contains("64", Assert.Throws<NotSupportedException>(() => CompiledJsonSchema.Parse($"{{\"properties\":{{{properties}}}}}")).Message);
        string values = string.Join(",", Enumerable.Range(0, 65));
        Assert.Contains("64", Assert.Throws<NotSupportedException>(() => CompiledJsonSchema.Parse($"{{\"properties\":{{\"a\":{{\"enum\":[{values}]}}}}}}")).Message);
    }
}
