using System.CommandLine;
using System.Globalization;
using BitNet.Gpu.Cli.Parsing;
using BitNet.Gpu.Engine.Generation;
using BitNet.Gpu.Engine.Sampling;

namespace BitNet.Gpu.Cli.Commands;

/// <summary>The sampling options of run and chat, with llama.cpp's names and defaults; numbers are read as <see cref="PlainNumber"/>s.</summary>
public sealed class SamplingOptions
{
    static readonly SamplerOptions Defaults = new();

    public Option<float> Temperature { get; } = new Option<float>("--temp") { Description = "temperature; 0 = greedy", DefaultValueFactory = _ => Defaults.Temperature }.AsPlainNumber();
    public Option<int> TopK { get; } = new("--top-k") { Description = "keep the k most likely tokens; 0 = off", DefaultValueFactory = _ => Defaults.TopK };
    public Option<float> TopP { get; } = new Option<float>("--top-p") { Description = "keep the smallest set with this probability mass; 1 = off", DefaultValueFactory = _ => Defaults.TopP }.AsPlainNumber();
    public Option<float> MinP { get; } = new Option<float>("--min-p") { Description = "drop tokens below this fraction of the top probability; 0 = off", DefaultValueFactory = _ => Defaults.MinP }.AsPlainNumber();
    public Option<float> RepeatPenalty { get; } = new Option<float>("--repeat-penalty") { Description = "penalize recent tokens; 1 = off", DefaultValueFactory = _ => Defaults.RepeatPenalty }.AsPlainNumber();
    public Option<float> FrequencyPenalty { get; } = new Option<float>("--frequency-penalty") { Description = "subtract this × count of a recent token", DefaultValueFactory = _ => Defaults.FrequencyPenalty }.AsPlainNumber();
    public Option<float> PresencePenalty { get; } = new Option<float>("--presence-penalty") { Description = "subtract this once for a recent token", DefaultValueFactory = _ => Defaults.PresencePenalty }.AsPlainNumber();
    public Option<int> PenaltyWindow { get; } = new("--repeat-last-n") { Description = "tokens the penalties look back over", DefaultValueFactory = _ => Defaults.PenaltyWindow };
    public Option<ulong?> Seed { get; } = new("--seed", "-s") { Description = "random seed for reproducible sampling (default: random)" };
    public Option<string[]> LogitBias { get; } = new("--logit-bias", "-l") { Description = "TOKEN_ID(+|-)BIAS, e.g. 15043+1 or 15043-inf; repeatable", AllowMultipleArgumentsPerToken = false };
    public Option<string[]> Stop { get; } = new("--stop") { Description = "stop when this text is generated; repeatable" };
    public Option<bool> FullLogits { get; } = new("--full-logits") { Description = "compute every logit at each step, even those top-k or greedy sampling cannot pick (the same tokens, slower)" };
    public Option<bool> Json { get; } = new("--json") { Description = "JSON mode: hold the output to one JSON object, and end it when the object closes" };
    public Option<string> JsonSchema { get; } = new("--json-schema", "-j") { Description = "hold the output to one JSON object that satisfies this JSON Schema (its text); implies --json" };
    public Option<FileInfo> JsonSchemaFile { get; } = new("--json-schema-file", "-jf") { Description = "as --json-schema, the schema read from this file" };
    public Option<string> Grammar { get; } = new("--grammar") { Description = "hold the output to this GBNF grammar (llama.cpp's notation); generation may end only where its root can" };
    public Option<FileInfo> GrammarFile { get; } = new("--grammar-file") { Description = "as --grammar, the grammar read from this file" };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Temperature, TopK, TopP, MinP, RepeatPenalty, FrequencyPenalty, PresencePenalty, PenaltyWindow, Seed, LogitBias, Stop, FullLogits, Json, JsonSchema, JsonSchemaFile, Grammar, GrammarFile })
            command.Options.Add(option);
    }

    public SamplerOptions Read(ParseResult parse)
    {
        var options = new SamplerOptions
        {
            Temperature = parse.GetValue(Temperature),
            TopK = parse.GetValue(TopK),
            TopP = parse.GetValue(TopP),
            MinP = parse.GetValue(MinP),
            RepeatPenalty = parse.GetValue(RepeatPenalty),
            FrequencyPenalty = parse.GetValue(FrequencyPenalty),
            PresencePenalty = parse.GetValue(PresencePenalty),
            PenaltyWindow = parse.GetValue(PenaltyWindow),
            Seed = parse.GetValue(Seed),
            LogitBias = ParseBias(parse.GetValue(LogitBias) ?? []),
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message.Split(" (Parameter")[0]);
        }
        return options;
    }

    public IReadOnlyList<string> StopStrings(ParseResult parse)
    {
        var stops = parse.GetValue(Stop) ?? [];
        // An empty stop string would match before any text: surely a mistake (an unset shell variable, say).
        if (stops.Any(stop => stop.Length == 0)) throw new UsageException("--stop must not be empty");
        return stops;
    }

    /// <summary>
    /// Checks the --logit-bias token ids against the model's vocabulary, once it is loaded and before anything is printed
    /// (the sampler would refuse them too, but only after the prompt has been echoed).
    /// </summary>
    public static void CheckVocabulary(SamplerOptions options, int vocabSize)
    {
        foreach (int token in options.LogitBias.Keys.Order())
            if (token >= vocabSize)
                throw new UsageException($"--logit-bias token id {token} is outside the vocabulary (ids 0 to {vocabSize - 1})");
    }

    /// <summary>The generation settings these options carry besides the sampler's.</summary>
    public GenerationRequest Request(ParseResult parse, int maxTokens) => new()
    {
        MaxTokens = maxTokens,
        Sampling = Read(parse),
        StopStrings = StopStrings(parse),
        FullLogits = parse.GetValue(FullLogits),
        JsonObject = parse.GetValue(Json),
        JsonSchema = ReadSchema(parse),
        Grammar = ReadGrammar(parse),
    };

    /// <summary>--grammar or --grammar-file, compiled (so a grammar that cannot be read fails before the model loads).</summary>
    CompiledGrammar? ReadGrammar(ParseResult parse)
    {
        string? text = parse.GetValue(Grammar);
        var file = parse.GetValue(GrammarFile);
        if (text is null && file is null) return null;
        if (text is not null && file is not null) throw new UsageException("--grammar and --grammar-file: give one of them");
        string option = text is not null ? "--grammar" : $"--grammar-file {file!.FullName}";
        if (parse.GetValue(Json) || parse.GetValue(JsonSchema) is not null || parse.GetValue(JsonSchemaFile) is not null)
            throw new UsageException($"{option} cannot be combined with --json or --json-schema: the output is held to one of them");
        try
        {
            text ??= File.ReadAllText(file!.FullName);
            return CompiledGrammar.Parse(text);
        }
        catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{option}: {e.Message}");
        }
    }

    /// <summary>--json-schema or --json-schema-file, compiled (so a schema that cannot be held fails before the model loads).</summary>
    CompiledJsonSchema? ReadSchema(ParseResult parse)
    {
        string? text = parse.GetValue(JsonSchema);
        var file = parse.GetValue(JsonSchemaFile);
        if (text is null && file is null) return null;
        if (text is not null && file is not null) throw new UsageException("--json-schema and --json-schema-file: give one of them");
        string option = text is not null ? "--json-schema" : $"--json-schema-file {file!.FullName}";
        try
        {
            text ??= File.ReadAllText(file!.FullName);
            return CompiledJsonSchema.Parse(text);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{option}: {e.Message}");
        }
    }

    static Dictionary<int, float> ParseBias(string[] entries)
    {
        var bias = new Dictionary<int, float>();
        foreach (string entry in entries)
        {
            int sign = entry.IndexOfAny(['+', '-'], 1);
            if (sign < 0 || !int.TryParse(entry[..sign], NumberStyles.None, CultureInfo.InvariantCulture, out int token)
                || !float.TryParse(entry[sign..], NumberStyles.Float, CultureInfo.InvariantCulture, out float value) && !TryInfinity(entry[sign..], out value))
                throw new UsageException($"--logit-bias '{entry}' is not TOKEN_ID+BIAS or TOKEN_ID-BIAS (e.g. 15043+1, 15043-inf)");
            bias[token] = value;
        }
        return bias;
    }

    static bool TryInfinity(string text, out float value)
    {
        value = text switch { "+inf" => float.PositiveInfinity, "-inf" => float.NegativeInfinity, _ => float.NaN };
        return !float.IsNaN(value);
    }
}
