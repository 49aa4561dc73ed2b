using System.CommandLine;
using System.CommandLine.Parsing;
using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Tests.Support;
using CliProgram = BitNet.Gpu.Cli.Program;

namespace BitNet.Gpu.Tests.Cli;

/// <summary>
/// Every number option (float or double, in any verb) reads a plain invariant-culture number and nothing else: the
/// library's own parsing allowed thousands separators, so "--temp 1,5" was silently 15.
/// </summary>
public class CliNumberOptionTests
{
    static readonly string Model = SyntheticModels.Tiny("bitnet-b1.58", GgmlType.I2_S);

    static readonly string[] NotPlainNumbers = ["1,5", "1,000", "NaN", "Infinity", "-Infinity", "1e999", " 1.5", "1.5 ", "0x10", "1_0", ""];

    static readonly (string Text, double Value)[] PlainNumbers = [("1.5", 1.5), ("0", 0), ("1e-3", 1e-3), ("-2", -2), ("+0.25", 0.25), (".5", 0.5)];

    /// <summary>Each verb's float and double options, found by walking the real command tree (a new one is covered too).</summary>
    public static TheoryData<string, string> EveryNumberOption()
    {
        var data = new TheoryData<string, string>();
        foreach (var verb in CliProgram.CreateRoot().Subcommands)
            foreach (var option in verb.Options.Where(IsNumber))
                data.Add(verb.Name, option.Name);
        return data;
    }

    static bool IsNumber(Option option) => option.ValueType == typeof(float) || option.ValueType == typeof(double);

    /// <summary>Parses <c>verb option value</c> in process; the errors are those of that option alone (other options may be required).</summary>
    static (ParseResult Parse, ParseError[] Errors) ParseOption(string verb, string option, string value)
    {
        var parse = CliProgram.CreateRoot().Parse([verb, option, value]);
        var errors = parse.Errors.Where(e => OptionOf(e.SymbolResult)?.Name == option).ToArray();
        return (parse, errors);
    }

    static Option? OptionOf(SymbolResult? result) => result switch
    {
        OptionResult o => o.Option,
        ArgumentResult { Parent: OptionResult o } => o.Option,
        _ => null,
    };

    static double ValueOf(ParseResult parse, string verb, string option)
    {
        var symbol = CliProgram.CreateRoot().Subcommands.Single(c => c.Name == verb).Options.Single(o => o.Name == option);
        return symbol.ValueType == typeof(float) ? parse.GetValue<float>(option) : parse.GetValue<double>(option);
    }

    [Fact]
    public void TheSamplingOptionsAreAmongTheNumberOptions()
    {
        var options = EveryNumberOption().Select(row => $"{row[0]} {row[1]}").ToArray();
        foreach (string name in new[] { "--temp", "--top-p", "--min-p", "--repeat-penalty", "--frequency-penalty", "--presence-penalty" })
        {
            Assert.Contains($"run {name}", options);
            Assert.Contains($"chat {name}", options);
        }
    }

    [Theory]
    [MemberData(nameof(EveryNumberOption))]
    public void ANumberOptionRefusesSeparatorsSpacesAndNonFiniteValues(string verb, string option)
    {
        foreach (string text in NotPlainNumbers)
            Assert.True(ParseOption(verb, option, text).Errors.Length > 0, $"{verb} {option} '{text}' was accepted");
    }

    [Theory]
    [MemberData(nameof(EveryNumberOption))]
    public void ANumberOptionReadsAPlainNumberAsWritten(string verb, string option)
    {
        foreach (var (text, value) in PlainNumbers)
        {
            var (parse, errors) = ParseOption(verb, option, text);
            Assert.True(errors.Length == 0, $"{verb} {option} '{text}': {string.Join("; ", errors.Select(e => e.Message))}");
            Assert.Equal(value, ValueOf(parse, verb, option), 1e-7);
        }
    }

    [Theory]
    [InlineData("--temp", "1,5")]
    [InlineData("--top-p", "0,9")]
    [InlineData("--repeat-penalty", "1,000")]
    [InlineData("--min-p", "NaN")]
    [InlineData("--presence-penalty", "Infinity")]
    public void ABadNumberIsOneUsageErrorNamingTheOptionAndTheValue(string option, string value)
    {
        var r = CliRunner.Run("run", "-m", Model, "-p", "the tea", "-n", "1", option, value, "--backend", "cpu");
        CliAssert.CleanError(r, 1, $"{option} expects a number, got '{value}'");
        Assert.Equal("", r.Stdout); // refused before the model loads or anything is printed
        Assert.Contains("see 'bitnet-gpu run --help'", r.Stderr);
    }

    [Fact]
    public void ACommaIsExplained()
    {
        var r = CliRunner.RunWithInput("hi\n", "chat", "-m", Model, "--temp", "0,7", "--backend", "cpu");
        CliAssert.CleanError(r, 1, "--temp expects a number, got '0,7' (a decimal point and no thousands separators, e.g. 0.5 or 1e-3)");
    }

    [Fact]
    public void TheRangeChecksStillApplyToAPlainNumber()
    {
        var r = CliRunner.Run("run", "-m", Model, "-p", "x", "-n", "1", "--top-p", "1.5", "--backend", "cpu");
        CliAssert.CleanError(r, 1, "--top-p must be in (0, 1], got 1.5");
    }
}
