using System.Text;
using System.Text.RegularExpressions;
using BitNet.Gpu.Engine.Sampling;
using BitNet.Gpu.Tests.Support;
using BitNet.Gpu.Tokenizers;

namespace BitNet.Gpu.Tests.Engine.Sampling.Grammar;

/// <summary>
/// A GBNF grammar over real vocabularies (the bundled model's, Llama 3's 128k), driven by fresh random logits: the mask
/// leaves exactly the tokens whose bytes the grammar takes (tried one by one), the end token exactly where the root can
/// end, and the finished text matches the grammar's equivalent regex (an independent reference).
/// </summary>
public class GrammarConstraintTests
{
    const string Sentences = """
        root ::= sentence ("\n" sentence){0,3}
        sentence ::= word (" " word){0,5} [.!?]
        word ::= [a-zA-Z]+ | [0-9]{1,3} | "é" [a-z]*   # letters, a number, or é and letters
        """;
    const string Word = "([a-zA-Z]+|[0-9]{1,3}|é[a-z]*)";
    static readonly Regex SentencesRegex = new($"^{Word}( {Word}){{0,5}}[.!?](\\n{Word}( {Word}){{0,5}}[.!?]){{0,3}}$");

    static readonly Lazy<Tokenizer> Bundled = new(() => Tokenizer.FromGguf(BundledModel.Path));

    [Theory]
    [InlineData("bundled model")]
    [InlineData("Llama 3")]
    public void RandomLogits_DrawATextOfTheGrammar_EndingOnlyWhereItMay(string vocabulary)
    {
        var tokenizer = vocabulary == "Llama 3" ? Tokenizers.Llama3TestData.FromJson : Bundled.Value;
        int seed = Environment.TickCount;
        var grammar = CompiledGrammar.Parse(Sentences);
        var constraint = JsonConstraint.ForGrammar(tokenizer, grammar);
        var reference = new GrammarText(new GrammarMatcher(grammar)); // the same grammar read apart from the mask
        int vocab = tokenizer.Count, end = tokenizer.EosId ?? tokenizer.EotId!.Value;
        var random = new Random(seed);
        var sampler = new Sampler(new SamplerOptions { Temperature = 1, TopK = 0, TopP = 1, MinP = 0, Seed = (ulong)seed }, vocab, constraint);
        var finishers = "."u8.ToArray().Concat("!"u8.ToArray()).Select(b => Token(tokenizer, [b])).Where(t => t >= 0).ToArray();
        var text = new List<byte>();
        bool ended = false;
        for (int step = 0; step < 400 && !ended; step++)
        {
            var logits = ReferenceSampler.RandomLogits(vocab, random.Next(), scale: 2f);
            if (step >= 60) { logits[end] += 40f; foreach (int t in finishers) logits[t] += 30f; } // then finish soon
            var masked = logits.ToArray();
            constraint.Mask(masked);
            Assert.True(float.IsNegativeInfinity(masked[end]) != reference.MayEnd, $"seed {seed}: the end token {(reference.MayEnd ? "masked" : "left")} after '{Encoding.UTF8.GetString(text.ToArray())}'");
            if (step % 5 == 0) AssertMaskIsBruteForce(tokenizer, reference, masked, seed);

            int token = sampler.Sample(logits, []);
            Assert.False(float.IsNegativeInfinity(masked[token]), $"seed {seed}: drew masked token {token}");
            if (tokenizer.IsEndOfGeneration(token)) { ended = true; break; }
            text.AddRange(tokenizer.TokenBytes(token).ToArray());
            foreach (byte b in tokenizer.TokenBytes(token)) Assert.True(reference.Push(b));
        }
        Assert.True(ended || constraint.IsComplete, $"seed {seed}: no end in 400 steps: {Encoding.UTF8.GetString(text.ToArray())}");
        string result = Encoding.UTF8.GetString(text.ToArray());
        Assert.True(SentencesRegex.IsMatch(result), $"seed {seed}: '{result}' is not a text of the grammar");
    }

    [Fact]
    public void AGrammarThatEnds_LeavesOnlyTheEndToken()
    {
        var tokenizer = Bundled.Value;
        var constraint = JsonConstraint.ForGrammar(tokenizer, CompiledGrammar.Parse("root ::= \"ok\""));
        int ok = Token(tokenizer, "ok"u8.ToArray());
        if (ok < 0) { constraint.Accept(Token(tokenizer, "o"u8.ToArray())); constraint.Accept(Token(tokenizer, "k"u8.ToArray())); }
        else constraint.Accept(ok);
        Assert.True(constraint.IsComplete);
        var logits = new float[tokenizer.Count];
        constraint.Mask(logits);
        var left = Enumerable.Range(0, tokenizer.Count).Where(t => !float.IsNegativeInfinity(logits[t])).ToArray();
        Assert.NotEmpty(left);
        Assert.All(left, t => Assert.True(tokenizer.IsEndOfGeneration(t)));
    }

    static int Token(Tokenizer tokenizer, byte[] bytes) =>
        Enumerable.Range(0, tokenizer.Count).FirstOrDefault(t => tokenizer.TokenBytes(t).SequenceEqual(bytes) && !tokenizer.IsEndOfGeneration(t), -1);

    /// <summary>The mask's verdict on every token equals trying the token's bytes one by one on the state.</summary>
    static void AssertMaskIsBruteForce(Tokenizer tokenizer, GrammarText state, float[] masked, int seed)
    {
        for (int t = 0; t < tokenizer.Count; t++)
        {
            bool allowed;
            if (tokenizer.IsEndOfGeneration(t)) allowed = state.MayEnd;
            else if (tokenizer.GetTokenType(t) is not (TokenType.Normal or TokenType.Undefined or TokenType.Byte or TokenType.UserDefined)
                     || tokenizer.TokenBytes(t).Length == 0) allowed = false;
            else
            {
                var copy = state;
                allowed = true;
                foreach (byte b in tokenizer.TokenBytes(t)) allowed = allowed && copy.Push(b);
            }
            Assert.True(allowed != float.IsNegativeInfinity(masked[t]), $"seed {seed}: token {t} ({tokenizer.TokenText(t)}) {(allowed ? "masked" : "left")} wrongly");
        }
    }
}
