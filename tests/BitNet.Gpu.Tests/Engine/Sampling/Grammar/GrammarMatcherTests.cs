using System.Text;
using System.Text.RegularExpressions;
using BitNet.Gpu.Engine.Sampling;

namespace BitNet.Gpu.Tests.Engine.Sampling.Grammar;

/// <summary>
/// The matcher against independent references, on every string up to a length over each grammar's alphabet: .NET's
/// Regex for regular grammars (whole-text acceptance, and a prefix is taken exactly when some string of the enumeration
/// extends it into a match), a depth counter for nested parentheses; UTF-8 read byte by byte, partial characters included.
/// </summary>
public class GrammarMatcherTests
{
    public static TheoryData<string, string, string, int> Regular => new()
    {
        // grammar, equivalent regex, alphabet, longest string tried
        { "root ::= (\"a\" | \"b\" \"c\"*)+ \"d\"? | \"é\"{2}", "^((a|bc*)+d?|é{2})$", "abcdé", 6 },
        { "root ::= [a-c]{1,3} (\"-\" num)?\nnum ::= [0-9] | [1-9] [0-9]", "^[a-c]{1,3}(-([0-9]|[1-9][0-9]))?$", "ab-09x", 6 },
        { "root ::= [^a-b]* \"a\" | \"😀\" . \"b\"", "^([^a-b]*a|😀(?:[\\uD800-\\uDBFF][\\uDC00-\\uDFFF]|[^\\uD800-\\uDFFF])b)$", "abx😀", 5 },
        { "root ::= (\"xy\"{2,} | \"z\")?", "^((xy){2,}|z)?$", "xyz", 7 },
    };

    [Theory]
    [MemberData(nameof(Regular))]
    public void RegularGrammars_AcceptWhatTheirRegexMatches_AndTakeExactlyTheViablePrefixes(string gbnf, string regex, string alphabet, int longest)
    {
        var pattern = new Regex(regex);
        var matcher = new GrammarMatcher(CompiledGrammar.Parse(gbnf));
        var letters = Letters(alphabet);
        var all = Strings(letters, longest).ToList();
        var matches = all.Where(s => pattern.IsMatch(s)).ToList();
        Assert.NotEmpty(matches);
        foreach (var text in all)
        {
            var state = Read(matcher, text);
            bool whole = state is not null && state.MayEnd;
            Assert.True(whole == pattern.IsMatch(text), $"'{text}': the grammar says {whole}, the regex {!whole}");
            // A prefix two characters shorter than the longest strings can be completed within the enumeration.
            if (letters.Length > 0 && CountLetters(text) <= longest - 2)
            {
                bool viable = matches.Any(m => m.StartsWith(text, StringComparison.Ordinal));
                Assert.True((state is not null) == viable, $"'{text}': taken {state is not null}, yet a match extends it: {viable}");
            }
        }
    }

    [Fact]
    public void NestedParentheses_AreTakenAsADepthCounterSaysTheyShouldBe()
    {
        var matcher = new GrammarMatcher(CompiledGrammar.Parse("root ::= (\"(\" root \")\")*"));
        foreach (var text in Strings(["(", ")"], 10))
        {
            int depth = 0, lowest = 0;
            foreach (char c in text) lowest = Math.Min(lowest, depth += c == '(' ? 1 : -1);
            var state = Read(matcher, text);
            Assert.True((state is not null) == (lowest >= 0), $"'{text}'");
            if (state is not null) Assert.True(state.MayEnd == (depth == 0), $"'{text}' may end: {state.MayEnd}");
        }
    }

    [Fact]
    public void PartialCharacters_AreTakenWhileTheyCanStillBecomeOneTheGrammarHolds()
    {
        var matcher = new GrammarMatcher(CompiledGrammar.Parse("root ::= [à-ÿ] \"!\""));
        Assert.NotNull(Push(matcher, [0xC3]));             // the first byte of U+00C0..U+00FF
        Assert.Null(Push(matcher, [0xC2]));                // U+0080..U+00BF: none is held
        Assert.Null(Push(matcher, [0xC3, 0x80]));          // À, U+00C0, is outside the class
        Assert.False(Push(matcher, [0xC3, 0xA9])!.MayEnd); // é, and the "!" still to come
        Assert.True(Push(matcher, [0xC3, 0xA9, (byte)'!'])!.IsComplete);
        Assert.Null(Push(matcher, [0xC3, (byte)'!']));     // a character cut off
        Assert.Null(Push(matcher, [0xFF]));

        var any = new GrammarMatcher(CompiledGrammar.Parse("root ::= .*"));
        Assert.Null(Push(any, [0xC0, 0x80]));              // an overlong NUL
        Assert.Null(Push(any, [0xED, 0xA0, 0x80]));        // a surrogate
        Assert.Null(Push(any, [0xF4, 0x90, 0x80, 0x80]));  // past U+10FFFF
        Assert.True(Push(any, Encoding.UTF8.GetBytes("日本😀"))!.MayEnd);
        Assert.False(Push(any, [0xE6, 0x97])!.MayEnd);     // half of 日: not an end
    }

    [Fact]
    public void TheSameStateIsMetAgain_ThroughTheKeptTransitions()
    {
        var matcher = new GrammarMatcher(CompiledGrammar.Parse("root ::= [a-z]*"));
        var once = Push(matcher, "ab"u8.ToArray());
        Assert.Same(once, Push(matcher, "abcdefg"u8.ToArray()));
    }

    [Fact]
    public void TooManyOpenParses_KeepTheFirst_AndTheTextStillFollowsTheGrammar()
    {
        // After "x", each of 5000 optional a's may be the next: more parses than are kept.
        var matcher = new GrammarMatcher(CompiledGrammar.Parse("root ::= \"x\" (\"a\"?){0,5000} \"b\""));
        var afterX = Read(matcher, "x");
        Assert.NotNull(afterX);
        Assert.InRange(afterX!.Tops.Length, 1, GrammarMatcher.MaxStacks + 1);
        Assert.NotNull(Read(matcher, "xaaa"));
        Assert.True(Read(matcher, "xab")!.IsComplete); // the shortest ways on are the ones kept
        Assert.Null(Read(matcher, "xc"));
    }

    static GrammarMatcher.State? Read(GrammarMatcher matcher, string text) => Push(matcher, Encoding.UTF8.GetBytes(text));

    static GrammarMatcher.State? Push(GrammarMatcher matcher, byte[] bytes)
    {
        GrammarMatcher.State? state = matcher.Start;
        foreach (byte b in bytes)
        {
            state = matcher.Next(state, b);
            if (state is null) return null;
        }
        return state;
    }

    static string[] Letters(string alphabet) => [.. StringInfoOf(alphabet)];

    static IEnumerable<string> StringInfoOf(string text)
    {
        var e = System.Globalization.StringInfo.GetTextElementEnumerator(text);
        while (e.MoveNext()) yield return (string)e.Current;
    }

    static int CountLetters(string text) => new System.Globalization.StringInfo(text).LengthInTextElements;

    static IEnumerable<string> Strings(string[] letters, int longest)
    {
        var level = new List<string> { "" };
        for (int length = 0; length <= longest; length++)
        {
            foreach (var s in level) yield return s;
            if (length < longest) level = [.. level.SelectMany(s => letters.Select(l => s + l))];
        }
    }
}
