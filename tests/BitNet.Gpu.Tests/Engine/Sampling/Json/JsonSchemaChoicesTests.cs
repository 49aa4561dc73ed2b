using System.Text;
using BitNet.Gpu.Engine.Sampling;

namespace BitNet.Gpu.Tests.Engine.Sampling.Json;

/// <summary>
/// Overlapping anyOf branches followed side by side: the choices split where such a value starts, narrow as bytes rule
/// branches out, come back to one once the value is closed, and stay within <see cref="JsonSchemaChoices.MaxFollowed"/>.
/// (That the texts taken are exactly the valid ones is <see cref="JsonSchemaPrefixTests"/>' work, its Unions schema.)
/// </summary>
public class JsonSchemaChoicesTests
{
    const string Items = """
        {"type":"object","properties":{"items":{"type":"array","items":{"anyOf":[
          {"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"string"}}},
          {"type":"object","properties":{"a":{"type":"string"}}}]}}}}
        """;

    static JsonSchemaChoices Read(string schema, string text, out bool taken)
    {
        var json = new JsonSchemaChoices(CompiledJsonSchema.Parse(schema).Root);
        taken = true;
        foreach (byte b in Encoding.UTF8.GetBytes(text))
            if (!(taken = json.Push(b))) break;
        return json;
    }

    [Theory]
    [InlineData("""{"items":[""", 1)]                // no item started yet
    [InlineData("""{"items":[{""", 2)]              // either object
    [InlineData("""{"items":[{"a":""", 2)]
    [InlineData("""{"items":[{"a":1""", 1)]          // only the first takes an integer
    [InlineData("""{"items":[{"a":"x""", 1)]
    [InlineData("""{"items":[{}""", 1)]              // closed alike: one choice again
    [InlineData("""{"items":[{},{""", 2)]
    public void Choices_SplitWhereAnOverlappingValueStarts_AndJoinOnceItIsClosed(string text, int count)
    {
        var json = Read(Items, text, out bool taken);
        Assert.True(taken);
        Assert.Equal(count, json.Count);
    }

    [Fact]
    public void ManyItemsOfAnOverlappingUnion_NeverFollowMoreThanTwoChoices()
    {
        var json = new JsonSchemaChoices(CompiledJsonSchema.Parse(Items).Root);
        string text = "{\"items\":[" + string.Join(",", Enumerable.Repeat("{}", 100)) + "]}";
        int most = 0;
        foreach (byte b in Encoding.UTF8.GetBytes(text))
        {
            Assert.True(json.Push(b));
            most = Math.Max(most, json.Count);
        }
        Assert.True(json.IsComplete);
        Assert.Equal(2, most);
    }

    [Fact]
    public void BranchesPastTheLimit_AreDropped_AndTheRestStillTakeTheirTexts()
    {
        string branches = string.Join(",", Enumerable.Range(1, 40).Select(i => $"{{\"type\":\"string\",\"maxLength\":{i}}}"));
        string schema = $"{{\"type\":\"object\",\"properties\":{{\"s\":{{\"anyOf\":[{branches}]}}}}}}";
        var json = Read(schema, "{\"s\":\"abc", out bool taken);
        Assert.True(taken);
        Assert.Equal(JsonSchemaChoices.MaxFollowed - 2, json.Count); // maxLength 1 and 2 ruled out by the third character
        foreach (byte b in "\"}"u8) Assert.True(json.Push(b));
        Assert.True(json.IsComplete);
        Assert.Equal(1, json.Count);
    }

    [Fact]
    public void Takes_AgreesWithPush_WherePushDropsChoicesPastTheLimit()
    {
        // maxLength 1 to 40: the split keeps the first 32, so 33 characters are more than any choice followed takes.
        string branches = string.Join(",", Enumerable.Range(1, 40).Select(i => $"{{\"type\":\"string\",\"maxLength\":{i}}}"));
        var json = Read($"{{\"type\":\"object\",\"properties\":{{\"s\":{{\"anyOf\":[{branches}]}}}}}}", "{\"s\":", out bool taken);
        Assert.True(taken);
        foreach (int length in new[] { 1, 32, 33, 40 })
        {
            byte[] text = Encoding.UTF8.GetBytes("\"" + new string('x', length) + "\"");
            var copy = json;
            bool pushed = true;
            foreach (byte b in text) pushed = pushed && copy.Push(b);
            Assert.Equal(pushed, json.Takes(text));
            Assert.Equal(length <= JsonSchemaChoices.MaxFollowed, pushed);
        }
    }

    [Fact]
    public void PlainTextRoom_IsTheLargestAmongTheChoices()
    {
        var json = Read("""{"type":"object","properties":{"s":{"anyOf":[{"type":"string","maxLength":3},{"type":"string","maxLength":5},{"type":"null"}]}}}""", "{\"s\":\"a", out bool taken);
        Assert.True(taken);
        Assert.Equal(2, json.Count);
        Assert.Equal(4, json.PlainTextRoom);
    }
}
