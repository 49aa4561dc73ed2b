namespace BitNet.Gpu.Engine.Sampling.Patterns;

/// <summary>
/// The string <c>format</c>s held as patterns: those whose values programs parse (a date, a time, a UUID, an IP
/// address). Each pattern takes a subset of what the format's RFC allows, one that .NET reads: System.Text.Json into
/// <see cref="DateTime"/>, <see cref="DateTimeOffset"/>, <see cref="DateOnly"/>, <see cref="TimeOnly"/> and
/// <see cref="Guid"/>, and <see cref="System.Net.IPAddress"/>: real calendar dates from the year 0001, fractions of a
/// second to 7 digits, offsets to ±14:00, a time of day without an offset (RFC 3339's full-time has one; TimeOnly
/// refuses it), IPv4 as four decimal parts without leading zeros (RFC 2673), IPv6 in RFC 4291's text forms without a
/// zone. Other formats (email, hostname, uri, ...) are annotations.
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

    const string Octet = @"(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)";
    const string IPv4 = $@"{Octet}(\.{Octet}){{3}}";
    const string Group = "[0-9A-Fa-f]{1,4}";
    // RFC 4291 §2.2: eight groups, or fewer with "::" for a run of zero groups; the last two may be an IPv4 address.
    const string IPv6 = $"(({Group}:){{7}}{Group}|({Group}:){{1,7}}:|({Group}:){{1,6}}:{Group}|({Group}:){{1,5}}(:{Group}){{1,2}}"
        + $"|({Group}:){{1,4}}(:{Group}){{1,3}}|({Group}:){{1,3}}(:{Group}){{1,4}}|({Group}:){{1,2}}(:{Group}){{1,5}}|{Group}:(:{Group}){{1,6}}"
        + $"|:((:{Group}){{1,7}}|:)|({Group}:){{6}}{IPv4}|::({Group}:){{0,5}}{IPv4}|{Group}::({Group}:){{0,4}}{IPv4}"
        + $"|({Group}:){{2}}:({Group}:){{0,3}}{IPv4}|({Group}:){{3}}:({Group}:){{0,2}}{IPv4}|({Group}:){{4}}:({Group}:)?{IPv4}|({Group}:){{5}}:{IPv4})";

    static readonly Dictionary<string, string> Patterns = new()
    {
        ["date"] = $"^{Date}$",
        ["time"] = $"^{Time}$",
        ["date-time"] = $"^{Date}T{Time}{Offset}$",
        ["uuid"] = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
        ["ipv4"] = $"^{IPv4}$",
        ["ipv6"] = $"^{IPv6}$",
    };

    /// <summary>The pattern that holds a format, or null for a format that is only an annotation.</summary>
    public static string? PatternOf(string format) => Patterns.GetValueOrDefault(format);
}
