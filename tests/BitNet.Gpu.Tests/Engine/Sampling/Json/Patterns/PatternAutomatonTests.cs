using System.Text;
using System.Text.RegularExpressions;
using BitNet.Gpu.Engine.Sampling.Patterns;

namespace BitNet.Gpu.Tests.Engine.Sampling.Json.Patterns;

/// <summary>
/// A pattern's automaton accepts exactly the strings .NET's regular expressions (ECMAScript mode, searching as JSON
/// Schema's pattern does) find a match in, lookaheads and anchors anywhere included: fresh random strings over each
/// pattern's own characters and a few others, and random walks through the automaton; every state it keeps can still
/// reach a match; refusals name the construct.
/// </summary>
public class PatternAutomatonTests
{
    public static TheoryData<string> Patterns => new()
    {
        @"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$",
        @"^[A-Z]{2}-\d{3,5}$",
        @"^\+?[0-9]{7,12}$",
        @"^-?(\d+\.)?\d{2}:\d{2}:\d{2}(\.\d{1,7})?$",      // System.Text.Json's TimeSpan schema
        @"abc",                                           // anywhere in the string
        @"^ab|cd$|^x$",
        @"^(foo|bar)+baz?$",
        @"^[^aeiou\d]*$",
        @"^[\w.-]+@[a-z]+\.(com|org)$",
        @"^a{2,}b{0,3}c?$",
        @"^(a|)b*?c+?$",
        @"^\x41\u00e9[\u4e00-\u9fa5]+\.$",
        @"^.{2}$",
        @"^[a\-z]\{1}x{1$",                               // a plain '{' where no quantifier follows
        @"^(?:ab){2}(cd)?$",
        @"^[\s]+\S$",
        @"^\W\D$",
        @"^\/\\\*\?$",
        @"\d\d$",
        @"^(?!^[-+.]*$)[+-]?0*\d*\.?\d*$",                 // Pydantic's Decimal
        @"^(?!^[-+.]*$)[+-]?0*(?:\d{0,5}|(?=[\d.]{1,18}0*$)\d{0,5}\.\d{0,12}0*$)", // the same with max_digits and decimal_places
        @"^(?=.*\d)(?=.*[a-z])\S{4,}$",                     // a password rule: lookaheads that settle later
        @"(^a|b)c",                                       // anchors inside groups
        @"a$|^b",
        @"x(?!y)",
        @"(?:a|b$)c?",
        @"^(?=ab)a",
        @"(?!a$)..$",
        @"a^b|c",                                         // an anchor no match can pass
    };

    [Theory]
    [MemberData(nameof(Patterns))]
    public void RandomStrings_AreAccepted_ExactlyWhereRegexFindsAMatch(string pattern)
    {
        var automaton = PatternAutomaton.Build(RegexParser.Parse(pattern));
        var regex = new Regex(pattern, RegexOptions.ECMAScript);
        int seed = Environment.TickCount;
        var random = new Random(seed);
        string alphabet = new string([.. pattern.Where(c => !char.IsControl(c)).Distinct()]) + "09aAz-.@ é\t世界x";
        int matched = 0;
        for (int round = 0; round < 3000; round++)
        {
            string text = round % 2 == 0 ? RandomText(random, alphabet) : Walk(automaton, random, alphabet);
            bool expected = regex.IsMatch(text) && !EndsInNewlineOnly(regex, text);
            Assert.True(expected == automaton.Matches(text), $"seed {seed}: {pattern} on \"{text}\": regex {expected}");
            if (expected) matched++;
        }
        Assert.True(matched > 50, $"seed {seed}: only {matched} of the strings matched {pattern}");
    }

    /// <summary>.NET's '$' also matches before a final newline, ECMAScript's does not; the alphabet has none, so this only guards.</summary>
    static bool EndsInNewlineOnly(Regex regex, string text) => text.EndsWith('\n') && !regex.IsMatch(text + "\n\n");

    static string RandomText(Random random, string alphabet)
    {
        var text = new StringBuilder();
        for (int i = random.Next(12); i > 0; i--) text.Append(alphabet[random.Next(alphabet.Length)]);
        return text.ToString();
    }

    /// <summary>
    /// A string the automaton takes step by step, choosing among the alphabet's characters it takes (half the time one
    /// that changes the state, so an unanchored pattern's match comes too), stopped at random where it accepts.
    /// </summary>
    static string Walk(PatternAutomaton automaton, Random random, string alphabet)
    {
        var text = new StringBuilder();
        int state = PatternAutomaton.Start;
        for (int step = 0; step < 40; step++)
        {
            if (automaton.IsAccepting(state) && random.Next(3) == 0) break;
            var next = alphabet.Select(c => (c, s: automaton.Step(state, c))).Where(p => p.s >= 0).ToArray();
            if (next.Length == 0) break;
            if (random.Next(2) == 0 && next.Where(p => p.s != state).ToArray() is { Length: > 0 } moving) next = moving;
            var (character, target) = next[random.Next(next.Length)];
            text.Append(character);
            state = target;
        }
        return text.ToString();
    }

    [Fact]
    public void EveryStateKept_CanStillReachAMatch()
    {
        var automaton = PatternAutomaton.Build(RegexParser.Parse(@"^(ab|a[0-9]{3}x)$"));
        Assert.Equal(-1, automaton.Step(PatternAutomaton.Start, 'b'));
        int afterA = automaton.Step(PatternAutomaton.Start, 'a');
        Assert.True(automaton.CanStep(afterA, '0', '9'));
        Assert.False(automaton.CanStep(afterA, 'c', 'z'));
        Assert.False(automaton.IsAccepting(afterA));
        Assert.True(automaton.IsAccepting(automaton.Step(afterA, 'b')));
    }

    [Theory]
    [InlineData(@"^[a-z]+$", 2, 4, "ab,abcd", "a,abcde,")]
    [InlineData(@"x", 3, int.MaxValue, "x--,--x--", "x,-x")]
    [InlineData(@"^(aa)+$", 0, 5, "aa,aaaa", "aaaaaa,a")]
    [InlineData(@"^\d{4}(-\d\d)?$", 4, 100_000, "1234,1234-56", "123,12345")] // within the bounds already: no product, whatever their size
    public void LengthBounds_AreFoldedIn(string pattern, int min, int max, string accepted, string refused)
    {
        var automaton = PatternAutomaton.Build(RegexParser.Parse(pattern)).WithLengths(min, max);
        foreach (string text in accepted.Split(',')) Assert.True(automaton.Matches(text), text);
        foreach (string text in refused.Split(',')) Assert.False(automaton.Matches(text), text);
    }

    [Fact]
    public void ALoopingPatternUnderAHugeMaxLength_IsRefused_NamingTheLengthBounds()
    {
        var automaton = PatternAutomaton.Build(RegexParser.Parse("^[a-z]+$"));
        Assert.Contains("length bounds", Assert.Throws<NotSupportedException>(() => automaton.WithLengths(0, 100_000)).Message);
        Assert.Equal(1001, automaton.WithLengths(0, 1000).StateCount); // the start and one state per length
    }

    [Fact]
    public void APatternNoStringWithinTheLengthsMatches_IsRefused()
    {
        var automaton = PatternAutomaton.Build(RegexParser.Parse("^abc$"));
        Assert.Contains("matches no string", Assert.Throws<NotSupportedException>(() => automaton.WithLengths(0, 2)).Message);
        Assert.Contains("matches no string", Assert.Throws<NotSupportedException>(() => PatternAutomaton.Build(RegexParser.Parse("^[^\\s\\S]$"))).Message);
    }

    [Fact]
    public void AfterAnUnanchoredMatch_AnyTextIsTaken()
    {
        var automaton = PatternAutomaton.Build(RegexParser.Parse("^ab"));
        int state = automaton.Step(automaton.Step(PatternAutomaton.Start, 'a'), 'b');
        Assert.True(automaton.TakesAnyText(state));
        Assert.False(automaton.TakesAnyText(PatternAutomaton.Start));
    }

    [Theory]
    [InlineData(@"(a)\1", "backreference", 4)]
    [InlineData(@"(?<=a)b", "lookbehind", 1)]
    [InlineData(@"(?<!a)b", "lookbehind", 1)]
    [InlineData(@"a(?=b(?!c))", "lookahead inside a lookahead", 6)]
    [InlineData(@"(?=a)*", "quantifier on a lookahead", 6)]
    [InlineData(@"(?i:a)", "the group '(?i'", 1)]
    [InlineData(@"a\bc", "word boundary", 2)]
    [InlineData(@"\p{L}", "Unicode property", 1)]
    [InlineData(@"a{1001}", "above 1000", 3)]
    public void UnsupportedConstructs_AreRefused_NamingThemAndTheirPlace(string pattern, string construct, int character)
    {
        var error = Assert.Throws<NotSupportedException>(() => RegexParser.Parse(pattern));
        Assert.Contains(construct, error.Message);
        Assert.Contains($"at character {character}", error.Message);
    }

    [Theory]
    [InlineData("(ab", "'(' without ')'")]
    [InlineData("ab)", "')' without '('")]
    [InlineData("[ab", "'[' without ']'")]
    [InlineData("*a", "nothing to repeat")]
    [InlineData("a^*", "nothing to repeat")]
    [InlineData("a**", "quantifier after a quantifier")]
    [InlineData("a\\", "at the end")]
    [InlineData("[z-a]", "out of order")]
    [InlineData("a{3,2}", "out of order")]
    [InlineData("\\q", "unknown escape")]
    [InlineData("\\x4", "hex digits")]
    [InlineData("[\\d-z]", "class range")]
    public void MalformedPatterns_AreRefused_SayingWhat(string pattern, string what)
    {
        var error = Assert.Throws<ArgumentException>(() => RegexParser.Parse(pattern));
        Assert.Contains(what, error.Message);
    }

    [Fact]
    public void APatternPastTheSizeLimits_IsRefused_NotBuilt()
    {
        Assert.Contains("automaton states", Assert.Throws<NotSupportedException>(() => PatternAutomaton.Build(RegexParser.Parse("^(a{1000}){1000}$"))).Message);
        Assert.Contains("steps to build", Assert.Throws<NotSupportedException>(() => PatternAutomaton.Build(RegexParser.Parse("^(.*a.*b){200}$"))).Message);
        Assert.Contains("automaton states", Assert.Throws<NotSupportedException>(() => PatternAutomaton.Build(RegexParser.Parse("^[ab]*a[ab]{20}$"))).Message);
        // A few hundred states build at once.
        Assert.True(PatternAutomaton.Build(RegexParser.Parse("^[a-z0-9_]{3,300}$")).StateCount > 300);
    }

    [Fact]
    public void GroupsNestedPastTheLimit_AreRefused_NotAStackOverflow()
    {
        string Nested(int depth) => new string('(', depth) + "a" + new string(')', depth);
        Assert.True(PatternAutomaton.Build(RegexParser.Parse(Nested(RegexParser.MaxGroupDepth))).Matches("a"));
        Assert.Contains("nested more than", Assert.Throws<NotSupportedException>(() => RegexParser.Parse(Nested(100_000))).Message);
    }

    [Fact]
    public void SurrogatePairs_AreOneCharacter_AndLoneSurrogatesMatchNothing()
    {
        var automaton = PatternAutomaton.Build(RegexParser.Parse(@"^\uD83D\uDE00.$"));
        Assert.True(automaton.Matches("😀😀"));
        Assert.False(automaton.Matches("😀"));
        Assert.Equal(-1, automaton.Step(PatternAutomaton.Start, 0xD83D));
    }
}
