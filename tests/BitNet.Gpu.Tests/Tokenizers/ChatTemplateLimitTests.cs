using BitNet.Gpu.Tokenizers;

namespace BitNet.Gpu.Tests.Tokenizers;

/// <summary>
/// Hostile templates (deep nesting, doubling strings, huge loops, values that hold themselves) are refused with a
/// <see cref="ChatTemplateException"/> naming the limit, when the template is created, instead of overflowing the stack
/// or exhausting memory or time.
/// </summary>
public class ChatTemplateLimitTests
{
    static ChatTemplateException Refused(string template, string limit)
    {
        var e = Assert.Throws<ChatTemplateException>(() => new ChatTemplate(template, "<s>", "</s>", "hostile.gguf"));
        Assert.StartsWith("hostile.gguf: the chat template ", e.Message);
        Assert.Contains(limit, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        return e;
    }

    static string Repeat(string s, int n) => string.Concat(Enumerable.Repeat(s, n));

    const string NestingLimit = "deeper than the limit of 100 levels";

    [Fact]
    public void ParenthesesTwentyThousandDeep_AreRefused() =>
        Refused("{{ " + Repeat("(", 20_000) + "1" + Repeat(")", 20_000) + " }}", NestingLimit);

    [Fact]
    public void IfStatementsTwentyThousandDeep_AreRefused() =>
        Refused(Repeat("{% if true %}", 20_000) + "x" + Repeat("{% endif %}", 20_000), NestingLimit);

    [Fact]
    public void ForStatementsNestedDeep_AreRefused() =>
        Refused(Repeat("{% for m in messages %}", 5_000) + "x" + Repeat("{% endfor %}", 5_000), NestingLimit);

    [Theory]
    [InlineData("{{ 1", " + 1", "")]         // a left-deep chain of operators, parsed without recursion
    [InlineData("{{ 'a'", " ~ 'a'", "")]
    [InlineData("{{ x", " or x", "")]
    [InlineData("{{ messages", "[0]", "")]  // postfix chains
    [InlineData("{{ 'a'", "|trim", "")]     // filter chains
    [InlineData("{{", " not", " true")]     // prefix chains
    [InlineData("{{", " -", "1")]
    [InlineData("{{", " [", "")]            // list literals
    [InlineData("{{ 1", " if true else 1", "")]
    public void LongChainsNestTooDeep(string start, string link, string end) =>
        Refused(start + Repeat(link, 20_000) + end + " }}", NestingLimit);

    [Fact]
    public void NestingWithinTheLimitRenders()
    {
        var template = new ChatTemplate("{{ " + Repeat("(", 40) + "1" + Repeat(" + 1", 40) + Repeat(")", 40) + " }}", "", "");
        Assert.Equal("41", template.Render([new("user", "hi")], true));
    }

    [Fact]
    public void DoublingAStringFortyTimes_IsRefused() =>
        Refused("{% set s = 'ab' %}" + Repeat("{% set s = s + s %}", 40) + "{{ s }}", "longer than the limit of 2,097,152");

    [Fact]
    public void DoublingAListFortyTimes_IsRefused() =>
        Refused("{% set s = [1] %}" + Repeat("{% set s = s + s %}", 40), "longer than the limit of 2,097,152");

    [Fact]
    public void RenderedTextPastTheLimit_IsRefused() =>
        Refused("{% set s = 'abcdefgh' %}" + Repeat("{% set s = s ~ s %}", 17) + Repeat("{{ s }}", 3), "longer than the limit of 2,097,152");

    [Fact]
    public void ReplaceThatMultipliesTheText_IsRefused() =>
        Refused("{% set s = 'aaaaaaaaaaaaaaaaaaaa' %}" + Repeat("{% set s = s.replace('a', s) %}", 5), "longer than the limit");

    [Fact]
    public void JoinPastTheLimit_IsRefused() =>
        Refused("{% set s = 'ab' %}" + Repeat("{% set s = s ~ s %}", 19) + "{% set l = [s, s, s] %}{{ l|join(',') }}", "longer than the limit");

    [Fact]
    public void ABillionLoopIterations_AreRefused()
    {
        // No range() in this renderer: three loops over a 1,000-character string ask for 10^9 iterations.
        var e = Refused("{% set s = '" + Repeat("x", 1000) + "' %}{% for a in s %}{% for b in s %}{% for c in s %}.{% endfor %}{% endfor %}{% endfor %}",
                        "more than the limit of 1,000,000 steps");
        Assert.Contains("hostile.gguf", e.Message);
    }

    [Fact]
    public void CopyingLargeStringsInALoop_IsRefused() =>
        // Each iteration builds 2 MiB: the steps are few, the characters built are too many.
        Refused("{% set s = 'abcdefgh' %}" + Repeat("{% set s = s ~ s %}", 17) +
                "{% for c in '" + Repeat("x", 500) + "' %}{% set t = s ~ s %}{% endfor %}", "characters in total");

    [Fact]
    public void ComparingLargeStringsInALoop_IsRefused() =>
        // Each 'in' reads 2 MiB and builds nothing: the characters handled bound it.
        Refused("{% set s = 'abcdefgh' %}" + Repeat("{% set s = s ~ s %}", 16) +
                "{% for c in '" + Repeat("x", 500) + "' %}{% if s in s %}{% endif %}{% endfor %}", "characters in total");

    [Fact]
    public void SearchingALongListInALoop_IsRefused() =>
        // A list of 2^20 references to one string, searched for an equal string 500 times.
        Refused("{% set s = 'abcdefghabcdefgh' %}{% set l = [s] %}" + Repeat("{% set l = l + l %}", 20) +
                "{% for c in '" + Repeat("x", 500) + "' %}{% if 'abcdefghabcdefgi' in l %}{% endif %}{% endfor %}", "characters in total");

    [Fact]
    public void ANamespaceHoldingItself_IsRefusedWhenWritten() =>
        Refused("{% set ns = namespace(a=1) %}{% set ns.a = ns %}{{ ns }}", "nests deeper than the limit of 100 levels");

    [Fact]
    public void ATemplateLongerThanTheLimit_IsRefused() =>
        Refused(new string('x', 2 * 1024 * 1024 + 1), "longer than the limit");

    [Fact]
    public void TheProbeToleratesATemplateThatRaisesForThisConversation()
    {
        const string needsSystem = "{% if messages[0].role != 'system' %}{{ raise_exception('a system message comes first') }}{% endif %}ok";
        var template = new ChatTemplate(needsSystem, "", "", "model.gguf");
        Assert.Equal("ok", template.Render([new("system", "s"), new("user", "u")], true));
        var e = Assert.Throws<ChatTemplateException>(() => template.Render([new("user", "u")], true));
        Assert.Contains("a system message comes first", e.Message);
    }

    [Fact]
    public void TheModelFileIsNamedInTheError()
    {
        var vocabulary = Llama3TestData.FromJson.Vocabulary;
        var hostile = new Vocabulary
        {
            Source = "/models/hostile.gguf", Model = vocabulary.Model, PreTokenizer = vocabulary.PreTokenizer, Tokens = vocabulary.Tokens,
            TokenTypes = vocabulary.TokenTypes, Merges = vocabulary.Merges, BosId = vocabulary.BosId, EosId = vocabulary.EosId,
            ChatTemplate = "{{ " + Repeat("(", 20_000) + "1" + Repeat(")", 20_000) + " }}",
        };
        var e = Assert.Throws<ChatTemplateException>(() => ChatTemplate.FromVocabulary(hostile));
        Assert.StartsWith("/models/hostile.gguf: the chat template is not supported: ", e.Message);
        Assert.Contains(NestingLimit, e.Message);
    }

    [Theory]
    [InlineData("{{ {'a': 1, 'a': 2}['a'] }}", "2")]                          // a later duplicate key wins, as in Python
    [InlineData("{{ (-9223372036854775807 - 1) // -1 }}", "-9223372036854775808")] // wraps like the other long arithmetic
    [InlineData("{{ (-9223372036854775807 - 1) % -1 }}", "0")]
    [InlineData("{{ 'abc'.replace('', '-') }}", "-a-b-c-")]                  // Python's str.replace with an empty old string
    [InlineData("{% for c in '\U0001F600' %}{{ [c] }}{% endfor %}", "[\"\uFFFD\"][\"\uFFFD\"]")] // lone surrogates in JSON
    public void EdgeCasesRenderInsteadOfThrowing(string template, string expected) =>
        Assert.Equal(expected, new ChatTemplate(template, "", "").Render([new("user", "hi")], true));

    [Theory]
    [InlineData("{{ 99999999999999999999 }}", "out of range")]
    [InlineData("{{ namespace(a=1, a=2) }}", "given twice")]
    public void BadTemplatesAreChatTemplateErrors(string template, string detail)
    {
        var e = Assert.Throws<ChatTemplateException>(() => new ChatTemplate(template, "", ""));
        Assert.Contains(detail, e.Message);
    }
}
