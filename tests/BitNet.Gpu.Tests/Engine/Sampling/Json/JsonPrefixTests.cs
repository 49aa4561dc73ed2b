using System.Text;
using System.Text.Json;
using BitNet.Gpu.Engine.Sampling;

namespace BitNet.Gpu.Tests.Engine.Sampling.Json;

/// <summary>
/// The JSON-mode automaton against System.Text.Json: every prefix of a valid object is taken and the object is complete
/// exactly at its end; hand-picked errors and whitespace past llama.cpp's JSON grammar's are refused at the byte where
/// they go wrong; and fresh random one-byte mutations of random objects (single spaces only) are taken whole and
/// complete exactly when System.Text.Json parses them as one object.
/// </summary>
public class JsonPrefixTests
{
    public static TheoryData<string> ValidObjects => new()
    {
        "{}",
        "{ }",
        "{\n  \"a\": [1,\n\t\t2 ], \"b\" :{}\n}",
        """{"a":1}""",
        """{"a": -0, "b": 12.5e+3, "c": 0.25E-2, "d": -7, "e": 3e9}""",
        """{"s": "tab\t and \"quotes\" \\ \/ \b\f\n\r \u00e9\uD83D\uDE00 café 日本"}""",
        """{"nested": {"list": [1, [2, [3, {}]], [], {"k": null}], "t": true, "f": false}}""",
        """{"": ""}""",
        "{\"deep\": " + new string('[', JsonPrefix.MaxDepth - 1) + new string(']', JsonPrefix.MaxDepth - 1) + "}",
    };

    [Theory]
    [MemberData(nameof(ValidObjects))]
    public void EveryPrefixOfAValidObject_IsTaken_AndTheObjectIsCompleteAtItsEnd(string text)
    {
        using var _ = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = JsonPrefix.MaxDepth }); // the reference agrees it is valid
        var bytes = Encoding.UTF8.GetBytes(text);
        var json = new JsonPrefix();
        for (int i = 0; i < bytes.Length; i++)
        {
            Assert.False(json.IsComplete, $"complete before byte {i}");
            Assert.True(json.Push(bytes[i]), $"byte {i} ('{(char)bytes[i]}') of {text} refused");
        }
        Assert.True(json.IsComplete);
        Assert.False(json.Push((byte)' '), "nothing may follow a complete object, whitespace included");
    }

    public static TheoryData<string, int> Errors => new()
    {
        // text, index of the first byte refused
        { "[1]", 0 },
        { "\"a\"", 0 },
        { "{\"a\":01}", 6 },
        { "{\"a\":-}", 6 },
        { "{\"a\":1.}", 7 },
        { "{\"a\":1e}", 7 },
        { "{\"a\":1.5.}", 8 },
        { "{\"a\" 1}", 5 },
        { "{,}", 1 },
        { "{\"a\":1,}", 7 },
        { "{\"a\":tru}", 8 },
        { "{\"a\":nul1}", 8 },
        { "{\"a\":\"\\x\"}", 7 },
        { "{\"a\":\"\\u12G4\"}", 10 },
        { "{\"a\":\"line\nbreak\"}", 10 },
        { "{\"a\":1]", 6 },
        { "{\"a\":[1}", 7 },
        { "{}{}", 2 },
        { "{} x", 2 },
        { "{1:2}", 1 },
        { "{\"a\":+1}", 5 },
        { "{\"a\":.5}", 5 },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public void AnError_IsRefusedAtItsByte(string text, int refusedAt)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var json = new JsonPrefix();
        for (int i = 0; i < refusedAt; i++) Assert.True(json.Push(bytes[i]), $"byte {i} of {text} refused, expected {refusedAt}");
        Assert.False(json.Push(bytes[refusedAt]), $"byte {refusedAt} of {text} taken");
    }

    [Theory]
    [InlineData(new byte[] { 0x80 })]             // a continuation byte alone
    [InlineData(new byte[] { 0xC0 })]             // only ever overlong (as C0 AF for '/')
    [InlineData(new byte[] { 0xC1 })]             // only ever overlong
    [InlineData(new byte[] { 0xE0, 0x80 })]       // overlong three-byte form
    [InlineData(new byte[] { 0xED, 0xA0 })]       // a surrogate (U+D800)
    [InlineData(new byte[] { 0xF4, 0x90 })]       // past U+10FFFF
    [InlineData(new byte[] { 0xF5 })]
    [InlineData(new byte[] { 0xE2, 0x82, 0x22 })] // a quote where a continuation byte is owed
    [InlineData(new byte[] { 0xC3, 0xC3 })]
    public void InvalidUtf8InAString_IsRefusedAtItsByte(byte[] bad)
    {
        var json = new JsonPrefix();
        foreach (byte b in "{\"a\":\""u8) Assert.True(json.Push(b));
        for (int i = 0; i < bad.Length - 1; i++) Assert.True(json.Push(bad[i]), $"byte {i} refused");
        Assert.False(json.Push(bad[^1]));
    }

    [Fact]
    public void ValidUtf8_IsTaken_AndACharacterSplitAcrossTokensIsNotPlainTextMidway()
    {
        var json = new JsonPrefix();
        foreach (byte b in "{\"a\":\"é日😀\u00e9"u8) Assert.True(json.Push(b));
        Assert.True(json.PlainTextRoom > 0);
        Assert.True(json.Push(0xF0) && json.Push(0x9F));
        Assert.Equal(-1, json.PlainTextRoom); // two bytes of 😀 owed
        Assert.True(json.Push(0x98) && json.Push(0x80) && json.PlainTextRoom > 0);
        foreach (byte b in "\"}"u8) Assert.True(json.Push(b));
        Assert.True(json.IsComplete);
    }

    [Fact]
    public void Nesting_IsBounded()
    {
        var json = new JsonPrefix();
        Assert.True(json.Push((byte)'{') && json.Push((byte)'"') && json.Push((byte)'"') && json.Push((byte)':'));
        for (int i = 1; i < JsonPrefix.MaxDepth; i++) Assert.True(json.Push((byte)'['));
        Assert.False(json.Copy().Push((byte)'['), "one level past the limit");
        Assert.True(json.Push((byte)']'));
    }

    [Theory]
    [InlineData(" {", 0)]                 // nothing before the object
    [InlineData("{  }", 2)]               // one space, not two
    [InlineData("{\n\n}", 2)]             // one newline, not a blank line
    [InlineData("{ \n}", 2)]              // a space does not start an indented run
    [InlineData("{\r\n}", 1)]             // newlines are \n
    public void Whitespace_IsOneSpaceOrANewlineAndAnIndent(string text, int refusedAt) => AnError_IsRefusedAtItsByte(text, refusedAt);

    [Fact]
    public void AnIndent_IsBounded()
    {
        var json = new JsonPrefix();
        Assert.True(json.Push((byte)'{') && json.Push((byte)'\n'));
        for (int i = 0; i < JsonPrefix.MaxIndent; i++) Assert.True(json.Push(i % 2 == 0 ? (byte)' ' : (byte)'\t'));
        Assert.False(json.Copy().Push((byte)' '), "one byte past the indent limit");
        Assert.True(json.Push((byte)'}') && json.IsComplete);
    }

    [Fact]
    public void RandomMutationsOfRandomObjects_AgreeWithSystemTextJson()
    {
        var random = new Random(Environment.TickCount);
        int seed = random.Next();
        random = new Random(seed);
        const string alphabet = "{}[]\",:0123456789-+.eEtrufalsn\\u\"abAB"; // no whitespace: its own tests cover it
        int valid = 0, invalid = 0;
        for (int round = 0; round < 3000; round++)
        {
            var text = new StringBuilder();
            WriteObject(text, random, depth: 0);
            string original = text.ToString();
            int at = random.Next(original.Length + 1);
            string mutated = random.Next(3) switch
            {
                0 when at < original.Length => original.Remove(at, 1),
                1 when at < original.Length => original.Remove(at, 1).Insert(at, alphabet[random.Next(alphabet.Length)].ToString()),
                _ => original.Insert(at, alphabet[random.Next(alphabet.Length)].ToString()),
            };
            bool expected = IsOneObject(mutated);
            var json = new JsonPrefix();
            bool taken = true;
            foreach (byte b in Encoding.UTF8.GetBytes(mutated)) taken = taken && json.Push(b); // not All(json.Push): that would box a copy
            Assert.True(expected == (taken && json.IsComplete), $"seed {seed}: {mutated} (System.Text.Json: {(expected ? "one object" : "not one object")})");
            if (expected) valid++; else invalid++;
        }
        Assert.True(valid > 300 && invalid > 300, $"the mutations gave {valid} valid and {invalid} invalid texts");
    }

    static bool IsOneObject(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = JsonPrefix.MaxDepth });
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    static void WriteObject(StringBuilder text, Random random, int depth)
    {
        text.Append('{');
        int members = random.Next(depth > 2 ? 2 : 4);
        for (int i = 0; i < members; i++)
        {
            if (i > 0) text.Append(random.Next(2) == 0 ? "," : ", ");
            text.Append('"').Append((char)('a' + random.Next(26))).Append("\":");
            WriteValue(text, random, depth + 1);
        }
        text.Append('}');
    }

    static void WriteValue(StringBuilder text, Random random, int depth)
    {
        switch (random.Next(depth > 3 ? 6 : 8))
        {
            case 0: text.Append(random.Next(-1000, 1000)); break;
            case 1: text.Append("-0.5e+2"); break;
            case 2: text.Append("\"x\\n\\u00e9y\""); break;
            case 3: text.Append("true"); break;
            case 4: text.Append("null"); break;
            case 5: text.Append("12.75"); break;
            case 6: WriteObject(text, random, depth); break;
            default:
                text.Append('[');
                for (int i = 0, n = random.Next(3); i < n; i++)
                {
                    if (i > 0) text.Append(',');
                    WriteValue(text, random, depth + 1);
                }
                text.Append(']');
                break;
        }
    }
}
