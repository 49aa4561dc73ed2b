using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace BitNet.Gpu.Cli.Parsing;

/// <summary>
/// The one parser of every float option (the CLI has no double ones; CliNumberOptionTests fails on one that skips it):
/// a plain invariant-culture number ("1.5", "0", "-2", "1e-3") and nothing else. The library's own parsing uses the current culture and allows thousands separators, so "--temp 1,5"
/// was read as 15 (and "1.5" would be 15 in a culture whose decimal mark is a comma); NaN and infinities are refused
/// here too, since no option means anything by them.
/// </summary>
public static class PlainNumber
{
    /// <summary>A sign, digits with one decimal point, an exponent: no spaces, group separators, hex or symbols.</summary>
    const NumberStyles Style = NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent;

    /// <summary>Makes <paramref name="option"/> read its value with <see cref="Float"/>; returns it, for initializers.</summary>
    public static Option<float> AsPlainNumber(this Option<float> option)
    {
        option.CustomParser = Float;
        return option;
    }

    /// <summary>The option's value, or an error on the result (reported by <see cref="ParseErrorReport"/>) and 0.</summary>
    public static float Float(ArgumentResult result) => (float)Parse(result);

    /// <summary>
    /// A hint for a value that looks like a number written the local way; empty otherwise. Only the value type and the
    /// token are needed, so the error report can add it without knowing which option it is.
    /// </summary>
    public static string Hint(Type valueType, string token) =>
        IsFloating(valueType) && token.Contains(',') ? " (a decimal point and no thousands separators, e.g. 0.5 or 1e-3)" : "";

    static bool IsFloating(Type type) => type == typeof(float) || type == typeof(double);

    // Parsed as a double so that a float's overflow ("1e39") is caught as out of range, not rounded to infinity.
    static double Parse(ArgumentResult result)
    {
        string token = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        if (double.TryParse(token, Style, CultureInfo.InvariantCulture, out double value) && Math.Abs(value) <= float.MaxValue)
            return value;
        // The message is not shown: ParseErrorReport words every option error itself, with the option's name.
        result.AddError($"not a plain number: '{token}'");
        return 0;
    }
}
