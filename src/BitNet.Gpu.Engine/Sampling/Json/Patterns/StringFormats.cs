namespace BitNet.Gpu.Engine.Sampling.Patterns;

/// <summary>
/// The string <c>format</c>s held as patterns: those whose values programs parse (a date, a time, a UUID), as
/// llama.cpp's grammars hold them. Each pattern takes a subset of what the format's RFC allows, one that .NET's
/// System.Text.Json reads into <see cref="DateTime"/>, <see cref="DateTimeOffset"/>, <see cref="DateOnly"/>,
/// <see cref="TimeOnly"/> and <see cref="Guid"/>: real calendar dates from the year 0001, fractions of a second to 7
/// digits, offsets to ±14:00, and a time of day without an offset (RFC 3339's full-time has one; TimeOnly refuses it).
/// Other formats are annotations.
/// </summary>
internal static class StringFormats
{
    // A calendar date: years from 0001 (as DateTime takes them), each month's days, 29 February in leap years only.
    const string Year = @"(000[1-9]|00[1-9]\d|0[1-9]\d\d|[1-9]\d{3})";
    const string MonthAndDay = @"((0[13578]|1[02])-(0[1-9]|[12]\d|3[01])|(0[469]|11)-(0[1-9]|[12]\d|30)|02-(0[1-9]|1\d|2[0-8]))";
    const string LeapDay = @"(\d\d(0[48]|[2468][048]|[13579][26])|(0[48]|[2468][048]|[13579][26])00)-02-29";
    const string Date = $"({Year}-{MonthAndDay}|{LeapDay})";
    const string Time = @"([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,7})?";
    const string Offset = @"(Z|[+-](0\d|1[0-3]):[0-5]\d|[+-]14:00)"; // ±14:00 at most, as DateTimeOffset takes

    static readonly Dictionary<string, string> Patterns = new()
    {
        ["date"] = $"^{Date}$",
        ["time"] = $"^{Time}$",
        ["date-time"] = $"^{Date}T{Time}{Offset}$",
        ["uuid"] = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
    };

    /// <summary>The pattern that holds a format, or null for a format that is only an annotation.</summary>
    public static string? PatternOf(string format) => Patterns.GetValueOrDefault(format);
}
