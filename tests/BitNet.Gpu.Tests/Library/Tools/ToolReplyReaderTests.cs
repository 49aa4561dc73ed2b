using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace BitNet.Gpu.Tests.Library.Tools;

/// <summary>
/// The tool-format answer read piece by piece: on fresh random answers (calls with nested arguments, text with every
/// escape, random whitespace) cut into random pieces, the deltas add up to what JSON parsing of the whole gives, every
/// prefix reads as far as it came, and text that is not the format is the content as it came.
/// </summary>
public class ToolReplyReaderTests
{
    static readonly JsonSerializerOptions Escaping = new() { Encoder = JavaScriptEncoder.Default };

    /// <summary>A random answer: a JSON text in the format, and what it holds (the text, or the calls).</summary>
    static (string Json, string? Text, List<(string Name, string Arguments)> Calls) RandomAnswer(Random random)
    {
        string Space() => random.Next(3) switch { 0 => "", 1 => " ", _ => "\n  " };
        if (random.Next(2) == 0)
        {
            string text = RandomText(random);
            string encoded = random.Next(2) == 0 ? JsonSerializer.Serialize(text) : JsonSerializer.Serialize(text, Escaping); // raw or \u-escaped
            return ($"{{{Space()}\"response\"{Space()}:{Space()}{encoded}{Space()}}}{Space()}", text, []);
        }
        var calls = new List<(string, string)>();
        var json = new StringBuilder($"{{{Space()}\"tool_calls\"{Space()}:{Space()}[");
        int count = random.Next(1, 4);
        for (int i = 0; i < count; i++)
        {
            string name = new[] { "get_forecast", "get-time", "f9" }[random.Next(3)];
            string arguments = RandomValue(random, 0);
            if (i > 0) json.Append(Space()).Append(',');
            json.Append($"{Space()}{{{Space()}\"{name}\"{Space()}:{Space()}{arguments}{Space()}}}");
            calls.Add((name, arguments));
        }
        json.Append($"{Space()}]{Space()}}}");
        return (json.ToString(), null, calls);
    }

    static string RandomText(Random random)
    {
        const string Alphabet = "ab \"\\/\n\t\r\b\féß€😀{}[],:";
        var text = new StringBuilder();
        int length = random.Next(0, 30);
        while (text.Length < length)
        {
            int at = random.Next(Alphabet.Length);
            if (char.IsHighSurrogate(Alphabet[at])) text.Append(Alphabet, at, 2);
            else if (!char.IsLowSurrogate(Alphabet[at])) text.Append(Alphabet[at]);
        }
        return text.ToString();
    }

    static string RandomValue(Random random, int depth) => (depth > 2 ? random.Next(4) : random.Next(6)) switch
    {
        0 => random.Next(-1000, 1000).ToString(),
        1 => new[] { "true", "false", "null", "1.5e3" }[random.Next(4)],
        2 or 3 => JsonSerializer.Serialize(RandomText(random)),
        4 => "[" + string.Join(", ", Enumerable.Range(0, random.Next(3)).Select(_ => RandomValue(random, depth + 1))) + "]",
        _ => "{" + string.Join(",", Enumerable.Range(0, random.Next(3)).Select(i => $"\"k{i}\" : {RandomValue(random, depth + 1)}")) + "}",
    };

    static List<string> Pieces(string text, Random random)
    {
        var pieces = new List<string>();
        for (int at = 0; at < text.Length;)
        {
            int length = Math.Min(text.Length - at, random.Next(1, 6));
            if (char.IsHighSurrogate(text[at + length - 1]) && at + length < text.Length) length++; // pieces hold whole characters
            pieces.Add(text.Substring(at, length));
            at += length;
        }
        return pieces;
    }

    /// <summary>The text, call names and call arguments the deltas add up to.</summary>
    static (string Text, List<string> Names, List<string> Arguments) Sum(IEnumerable<ToolReplyDelta> deltas)
    {
        var text = new StringBuilder();
        var names = new List<string>();
        var arguments = new List<StringBuilder>();
        foreach (var delta in deltas)
            switch (delta)
            {
                case ToolTextDelta t: text.Append(t.Text); break;
                case ToolCallStartDelta start:
                    Assert.Equal(names.Count, start.Index);
                    names.Add(start.Name);
                    arguments.Add(new StringBuilder());
                    break;
                case ToolArgumentsDelta a: arguments[a.Index].Append(a.Text); break;
            }
        return (text.ToString(), names, arguments.Select(a => a.ToString()).ToList());
    }

    [Fact]
    public void RandomAnswersInRandomPieces_AddUpToTheWholeAnswer()
    {
        var random = new Random(Environment.TickCount);
        for (int trial = 0; trial < 2000; trial++)
        {
            var (json, text, calls) = RandomAnswer(random);
            var reader = new ToolReplyReader();
            var deltas = Pieces(json, random).SelectMany(reader.Read).ToList();
            var (streamedText, names, arguments) = Sum(deltas);
            var reply = reader.Finish();

            Assert.True(reader.IsComplete, json);
            if (text is not null)
            {
                Assert.Equal(text, streamedText);
                Assert.Equal(text, reply.Content);
                Assert.Empty(names);
            }
            else
            {
                Assert.Equal(calls.Select(c => c.Name), names);
                Assert.Equal(calls.Select(c => c.Arguments), arguments);
                Assert.Null(reply.Content);
                Assert.Equal(calls, reply.Calls.Select(c => (c.Name, c.Arguments)));
                Assert.Equal(deltas.OfType<ToolCallStartDelta>().Select(d => d.Id), reply.Calls.Select(c => c.Id));
                Assert.All(reply.Calls, c => JsonDocument.Parse(c.Arguments).Dispose()); // whole JSON values
            }
        }
    }

    [Fact]
    public void EveryPrefix_ReadsAsFarAsItCame()
    {
        var random = new Random(Environment.TickCount);
        for (int trial = 0; trial < 300; trial++)
        {
            var (json, _, _) = RandomAnswer(random);
            var whole = new ToolReplyReader();
            var deltas = new List<ToolReplyDelta>();
            foreach (char c in json)
            {
                deltas.AddRange(whole.Read(c.ToString()));
                var (text, names, arguments) = Sum(deltas);
                var reply = whole.Finish();
                if (names.Count == 0)
                {
                    Assert.Empty(reply.Calls);
                    string content = reply.Content!;
                    if (content.Length > 0 && char.IsHighSurrogate(content[^1])) content = content[..^1]; // a pair is streamed whole
                    Assert.Equal(content, text);
                }
                else
                {
                    Assert.Null(reply.Content);
                    Assert.Equal(names, reply.Calls.Select(c => c.Name));
                    Assert.Equal(arguments, reply.Calls.Select(c => c.Arguments));
                }
            }
        }
    }

    [Theory]
    [InlineData("""{"tool_calls": [1]}""")]
    [InlineData("""{"tool_calls": []}""")]
    [InlineData("""[1]""")]
    [InlineData("""{"answer": 1}""")]
    [InlineData("""{"response": 5}""")]
    [InlineData("""{"response": "a\x"}""")]
    [InlineData("""{"response": "a\u12G4"}""")]
    [InlineData("""{"response": "a"} b""")]
    [InlineData("""{"tool_calls": [{"f": {}, "g": {}}]}""")]
    [InlineData("Hello")]
    public void TextThatIsNotTheFormat_IsTheContentAsItCame(string text)
    {
        var reader = new ToolReplyReader();
        foreach (char c in text) reader.Read(c.ToString());
        var reply = reader.Finish();
        Assert.Equal(text, reply.Content);
        Assert.Empty(reply.Calls);
        Assert.False(reader.IsComplete);
    }
}
