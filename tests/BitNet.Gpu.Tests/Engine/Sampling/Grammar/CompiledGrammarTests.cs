using BitNet.Gpu.Engine.Sampling;

namespace BitNet.Gpu.Tests.Engine.Sampling.Grammar;

/// <summary>GBNF as llama.cpp writes it is read; a grammar that cannot be read or held is an ArgumentException naming the line and column, or the rule.</summary>
public class CompiledGrammarTests
{
    [Theory]
    [InlineData("root ::= \"a\"")]
    [InlineData("root ::= item+\nitem ::= [a-z] | \"-\"")]
    [InlineData("# a comment\nroot ::= ( \"x\"\n  | \"y\" )  # another\n\n")]
    [InlineData("root ::= \"a\" |\n  \"b\"")]
    [InlineData("root::=\"a\"{2,}\"b\"{1}\"c\"{0,3}\"d\"?")]
    [InlineData("root ::= [^\\n\\x41-\\x5A\\u00e9\\U0001F600] .")]
    [InlineData("root ::= \"\\\"\\\\\\t\\r\\n\" [\\[\\]\\-]")]
    [InlineData("root ::= ()")]
    [InlineData("root ::= \"\" | value\nvalue ::= \"(\" root \")\" root")]
    [InlineData("root ::= a\na ::= b? \"x\"\nb ::= \"y\" a")]
    [InlineData("root_1 ::= \"a\"\nroot ::= root_1 root-2\nroot-2 ::= \"b\"")]
    public void WellFormedGrammars_Compile(string gbnf) => Assert.Equal(gbnf, CompiledGrammar.Parse(gbnf).Text);

    [Theory]
    [InlineData("item ::= \"a\"", "no rule 'root'")]
    [InlineData("root ::= item", "line 1, column 10: rule 'item' is used but not defined")]
    [InlineData("root ::= \"a\"\nroot ::= \"b\"", "line 2, column 1: rule 'root' is defined twice")]
    [InlineData("root \"a\"", "line 1, column 6: expected ::=")]
    [InlineData("root ::= \"abc", "line 1, column 14: unterminated literal")]
    [InlineData("root ::= [abc", "line 1, column 14: unterminated character class")]
    [InlineData("root ::= [z-a]", "line 1, column 14: range U+007A-U+0061 runs backwards")]
    [InlineData("root ::= \"\\q\"", "line 1, column 11: unknown escape")]
    [InlineData("root ::= \"\\x4\"", "line 1, column 13: expected 2 hexadecimal digits")]
    [InlineData("root ::= \"\\uD800\"", "not a Unicode scalar value")]
    [InlineData("root ::= \"\\U00110000\"", "not a Unicode scalar value")]
    [InlineData("root ::= * \"a\"", "line 1, column 10: '*' repeats nothing")]
    [InlineData("root ::= \"a\"{3,2}", "its most below its least")]
    [InlineData("root ::= \"a\"{99999999999}", "repetition count over")]
    [InlineData("root ::= \"a\"{2", "expected '}'")]
    [InlineData("root ::= (\"a\"", "expected ')'")]
    [InlineData("root ::= \"a\" )", "line 1, column 14: unexpected ')'")]
    [InlineData("root ::= root \"a\"", "rule 'root' is left-recursive")]
    [InlineData("root ::= a\na ::= b \"x\"\nb ::= \"\" | a", "is left-recursive")]
    [InlineData("root ::= (\"a\" | root)* \"b\"", "rule 'root' is left-recursive")]
    [InlineData("root ::= \"a\"{150000} \"b\"{60000}", "over 200000 symbols")]
    [InlineData("root ::= \"x\" (\"a\" | \"b\"?)*", "the group or repetition before line 1, column 27, in rule 'root' is left-recursive")]
    [InlineData("root ::= (\"a\"?){0,20000}", "more than 4096 parses are open before the first character")]
    public void BadGrammars_AreRefusedWithTheirPlace(string gbnf, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => CompiledGrammar.Parse(gbnf));
        Assert.StartsWith("grammar: ", e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void DeepParentheses_AreRefused_NotAStackOverflow()
    {
        string gbnf = "root ::= " + new string('(', 10_000) + "\"a\"" + new string(')', 10_000);
        var e = Assert.Throws<ArgumentException>(() => CompiledGrammar.Parse(gbnf));
        Assert.Contains("nested deeper than 64", e.Message);
    }

    [Fact]
    public void AChainOfRulesAsLongAsTheGrammar_IsReadWithoutDeepRecursion()
    {
        const int rules = 30_000; // each starts with the next: checked, expanded and matched with work lists
        var gbnf = new System.Text.StringBuilder("root ::= r0 | \"b\"\n");
        for (int i = 0; i < rules; i++) gbnf.Append($"r{i} ::= {(i + 1 < rules ? $"r{i + 1}" : "\"c\"")} \"a\"\n");
        var matcher = new GrammarMatcher(CompiledGrammar.Parse(gbnf.ToString()));
        Assert.Equal(2, matcher.Start.Tops.Length); // "c" at the bottom of the chain, or "b" at its top
        var state = matcher.Next(matcher.Start, (byte)'c');
        Assert.NotNull(state);
        Assert.False(state!.MayEnd); // 30,000 a's still to come
        Assert.NotNull(matcher.Next(state, (byte)'a'));
        Assert.Null(matcher.Next(state, (byte)'c'));
        Assert.True(matcher.Next(matcher.Start, (byte)'b')!.IsComplete);

        Assert.Equal(2, new GrammarMatcher(CompiledGrammar.Parse("root ::= \"a\"{0,100000}")).Start.Tops.Length); // "a", or the end
    }

    [Fact]
    public void ALoneSurrogate_IsRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => CompiledGrammar.Parse("root ::= \"a\uD800\""));
        Assert.Contains("lone surrogate", e.Message);
    }
}
