using System.Text;
using System.Text.Json;
using BitNet.Gpu.Engine.Sampling;
using BitNet.Gpu.Tests.Support;
using BitNet.Gpu.Tokenizers;

namespace BitNet.Gpu.Tests.Engine.Sampling.Json;

/// <summary>
/// JSON mode and structured output over real vocabularies (the bundled model's, Llama 3's 128k), driven by fresh random
/// logits instead of a model (then steered to close the object): every drawn token keeps the text the start of a JSON
/// object (System.Text.Json's reader, fed the text as a partial block, finds no error), the end token is only left once
/// the object is closed, and the finished text parses as one object (that satisfies the schema).
/// </summary>
public class JsonConstraintTests
{
    static readonly Lazy<Tokenizer> Bundled = new(() => Tokenizer.FromGguf(BundledModel.Path));

    [Theory]
    [InlineData("bundled model")]
    [InlineData("Llama 3")]
    public void RandomLogits_DrawOneValidJsonObject_ThenOnlyTheEnd(string vocabulary)
    {
        var tokenizer = vocabulary == "Llama 3" ? Tokenizers.Llama3TestData.FromJson : Bundled.Value;
        int seed = Environment.TickCount;
        var text = DrawOne(tokenizer, JsonConstraint.ForAnyObject(tokenizer), new JsonPrefix(), seed);
        using var document = JsonDocument.Parse(text);
        Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
    }

    [Theory]
    [InlineData("bundled model", "Weather")]
    [InlineData("bundled model", "Bounded")]
    [InlineData("Llama 3", "Weather")]
    [InlineData("Llama 3", "Recursive")]
    [InlineData("bundled model", "Patterned")]
    [InlineData("Llama 3", "Patterned")]
    [InlineData("bundled model", "Numbers")]
    [InlineData("Llama 3", "Numbers")]
    [InlineData("bundled model", "Steps")]
    [InlineData("Llama 3", "Steps")]
    [InlineData("bundled model", "Tuples")]
    [InlineData("bundled model", "Unions")]
    [InlineData("Llama 3", "Unions")]
    [InlineData("bundled model", "Sets")]
    [InlineData("Llama 3", "Sets")]
    public void RandomLogits_DrawOneInstanceOfASchema_ThenOnlyTheEnd(string vocabulary, string name)
    {
        var tokenizer = vocabulary == "Llama 3" ? Tokenizers.Llama3TestData.FromJson : Bundled.Value;
        string schemaText = name switch
        {
            "Weather" => JsonSchemaPrefixTests.Weather,
            "Bounded" => JsonSchemaPrefixTests.Bounded,
            "Patterned" => JsonSchemaPrefixTests.Patterned,
            "Numbers" => JsonSchemaPrefixTests.Numbers,
            "Steps" => JsonSchemaPrefixTests.Steps,
            "Tuples" => JsonSchemaPrefixTests.Tuples,
            "Unions" => JsonSchemaPrefixTests.Unions,
            "Sets" => JsonSchemaPrefixTests.Sets,
            _ => JsonSchemaPrefixTests.Recursive,
        };
        var schema = CompiledJsonSchema.Parse(schemaText);
        int seed = Environment.TickCount;
        var text = DrawOne(tokenizer, JsonConstraint.ForSchema(tokenizer, schema), new JsonSchemaChoices(schema.Root), seed);
        using var document = JsonDocument.Parse(text);
        using var schemaDocument = JsonDocument.Parse(schemaText);
        Assert.True(JsonSchemaOracle.IsValid(schemaDocument.RootElement, document.RootElement), $"seed {seed}: {Encoding.UTF8.GetString(text)} does not satisfy the schema");
    }

    [Theory]
    [InlineData("^[^<>]*$", "{\"a\":\"x")]
    [InlineData("^[a-z.]+@[a-z]+\\.(com|org)$", "{\"a\":\"ab.c")]
    [InlineData("^[a-z.]+@[a-z]+\\.(com|org)$", "{\"a\":\"ab@cd")]
    public void APatternStateMetAgain_IsMaskedFromItsKeptVerdicts_AsBruteForce(string pattern, string prefix)
    {
        var tokenizer = Tokenizers.Llama3TestData.FromJson;
        var schema = CompiledJsonSchema.Parse("""{"type":"object","properties":{"a":{"type":"string","pattern":""" + JsonSerializer.Serialize(pattern) + "}}}");
        var json = JsonConstraint.ForSchema(tokenizer, schema);
        var state = new JsonSchemaChoices(schema.Root);
        foreach (byte b in Encoding.UTF8.GetBytes(prefix)) Assert.True(state.Push(b));
        foreach (int token in tokenizer.Encode(prefix, false, false)) json.Accept(token);
        for (int visit = 0; visit < 3; visit++) // the first reads the tokens' bytes, the later ones use the kept verdicts
        {
            var logits = new float[tokenizer.Count];
            json.Mask(logits);
            AssertMaskIsBruteForce(tokenizer, state, logits, seed: visit);
            Assert.True(logits.Count(l => l == 0) > 1000, "a broad pattern leaves many tokens");
        }
    }

    /// <summary>
    /// Draws tokens under the mask from random logits until the text is complete (at most 600 steps), checking on the
    /// way that the end token is masked until then, that the mask equals brute force every 7th step, and that every
    /// prefix is the start of a JSON text; then that only the end is left.
    /// </summary>
    static byte[] DrawOne<TText>(Tokenizer tokenizer, JsonConstraint json, TText state, int seed) where TText : struct, IJsonText
    {
        int vocab = tokenizer.Count, end = tokenizer.EosId ?? tokenizer.EotId!.Value;
        var random = new Random(seed);
        // Closing tokens get a head start and opening ones a handicap, so the object closes within the test's steps.
        var closers = Tokens(tokenizer, "}]\""u8);
        var openers = Tokens(tokenizer, "{["u8);
        var sampler = new Sampler(new SamplerOptions { Temperature = 1, TopK = 0, TopP = 1, MinP = 0, Seed = (ulong)seed }, vocab, json);
        var text = new List<byte>();
        int masked = 0;
        // Then, after 200 random steps, the one-byte tokens that close things win whenever the mask leaves them, in this
        // order: every string, key, value and container then closes within a few steps.
        var closing = new[] { ("\"", 40f), ("}", 35f), ("]", 34f), (":", 32f), ("0", 30f), ("null", 29f), (",", 28f) }
            .Select(c => (Token: Enumerable.Range(0, vocab).FirstOrDefault(t => tokenizer.TokenBytes(t).SequenceEqual(Encoding.UTF8.GetBytes(c.Item1)), -1), Bias: c.Item2))
            .Where(c => c.Token >= 0)
            .ToArray();
        for (int step = 0; step < 600 && !json.IsComplete; step++)
        {
            var logits = ReferenceSampler.RandomLogits(vocab, random.Next(), scale: 2f);
            foreach (int t in closers) logits[t] += 6f;
            foreach (int t in openers) logits[t] -= 6f;
            if (step >= 200) foreach (var (t, bias) in closing) logits[t] += bias;
            var copy = logits.ToArray();
            json.Mask(copy);
            masked += copy.Count(float.IsNegativeInfinity);
            Assert.True(float.IsNegativeInfinity(copy[end]), $"seed {seed}: the end token was left before the object closed");
            if (step % 7 == 0) AssertMaskIsBruteForce(tokenizer, state, copy, seed);

            int token = sampler.Sample(logits, []);
            Assert.False(float.IsNegativeInfinity(copy[token]), $"seed {seed}: drew masked token {token}");
            text.AddRange(tokenizer.TokenBytes(token).ToArray());
            foreach (byte b in tokenizer.TokenBytes(token)) Assert.True(state.Push(b));
            AssertIsAPrefix(text.ToArray(), seed);
        }

        Assert.True(json.IsComplete, $"seed {seed}: no complete object in 600 steps: {Encoding.UTF8.GetString(text.ToArray())}");
        var last = new float[vocab];
        json.Mask(last);
        Assert.Equal([end], Enumerable.Range(0, vocab).Where(t => !float.IsNegativeInfinity(last[t]) && tokenizer.IsEndOfGeneration(t)).Take(1));
        Assert.Equal(vocab - 1 - (tokenizer.EotId is { } eot && eot != end ? 1 : 0), last.Count(float.IsNegativeInfinity));
        Assert.True(masked > 0);
        return text.ToArray();
    }

    /// <summary>The mask's verdict on every token equals trying the token's bytes one by one on the state.</summary>
    static void AssertMaskIsBruteForce<TText>(Tokenizer tokenizer, TText state, float[] masked, int seed) where TText : struct, IJsonText
    {
        for (int t = 0; t < tokenizer.Count; t++)
        {
            bool allowed;
            if (tokenizer.IsEndOfGeneration(t)) allowed = state.IsComplete;
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

    static int[] Tokens(Tokenizer tokenizer, ReadOnlySpan<byte> anyOf)
    {
        var found = new List<int>();
        for (int t = 0; t < tokenizer.Count; t++)
            if (tokenizer.GetTokenType(t) == TokenType.Normal && tokenizer.TokenBytes(t).IndexOfAny(anyOf) >= 0) found.Add(t);
        return found.ToArray();
    }

    /// <summary>The reader, told more may follow, reads the text without an error.</summary>
    static void AssertIsAPrefix(byte[] text, int seed)
    {
        var reader = new Utf8JsonReader(text, isFinalBlock: false, state: default);
        try
        {
            while (reader.Read()) { }
        }
        catch (JsonException e)
        {
            Assert.Fail($"seed {seed}: {Encoding.UTF8.GetString(text)} is not the start of a JSON text: {e.Message}");
        }
    }
}
