namespace BitNet.Gpu.Engine.Sampling.Patterns;

/// <summary>
/// The string <c>format</c>s held as patterns: those whose values programs parse (a date, a time, a UUID, an IP
/// address). Each pattern takes a subset of what the format's RFC allows, one that .NET reads: System.Text.Json into
/// <see cref="DateTime"/>, <see cref="DateTimeOffset"/>, <see cref="DateOnly"/>, <see cref="TimeOnly"/> and
/// <see cref="Guid"/>, and <see cref="System.Net.IPAddress"/>: real calendar dates from the year 0001, fractions of a
/// second to 7 digits, offsets to ±14:00, a time of day without an offset (RFC 3339's full-time has one; TimeOnly
/// refuses it), IPv4 as four decimal parts without leading zeros (RFC 2673), IPv6 in RFC 4291's text forms without a
/// zone. Three more are held as the formats OpenAI's structured outputs hold: email as HTML's "valid email address"
/// (WHATWG: a local part of letters, digits and .!#$%&amp;'*+/=?^_`{|}~- and a domain of labels, here without the
/// labels' 63-character bound, so that a maxLength of 254 fits the automaton's limits), hostname as RFC 1123's
/// labels of 1 to 63 letters, digits and inner hyphens (the 253-character total is not held: counted into the
/// automaton it passes the state limit), duration as RFC 3339's ABNF (appendix A). Other formats (uri, ...) are
/// annotations.
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

    // A DNS label (RFC 1123): 1 to 63 letters, digits and hyphens, not starting or ending with a hyphen.
    const string Label = "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
    const string Hostname = Label + @"(\." + Label + ")*";
    const string EmailLocalPart = "[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+";
    // An email's domain: labels as a hostname's, of any length (63 counted into the automaton would leave no room for
    // the maxLength such a field usually has: 254 with it passes the state limit).
    const string EmailLabel = "[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?";
    const string EmailDomain = EmailLabel + @"(\." + EmailLabel + ")*";

    // RFC 3339 appendix A: the date part's and the time part's components come in order, each next one optional.
    const string DurationDate = @"(\d+D|\d+M(\d+D)?|\d+Y(\d+M(\d+D)?)?)";
    const string DurationTime = @"T(\d+S|\d+M(\d+S)?|\d+H(\d+M(\d+S)?)?)";
    const string Duration = "P(" + DurationDate + "(" + DurationTime + ")?|" + DurationTime + @"|\d+W)";

    static readonly Dictionary<string, string> Patterns = new()
    {
        ["date"] = $"^{Date}$",
        ["time"] = $"^{Time}$",
        ["date-time"] = $"^{Date}T{Time}{Offset}$",
        ["uuid"] = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
        ["ipv4"] = $"^{IPv4}$",
        ["ipv6"] = $"^{IPv6}$",
        ["email"] = "^" + EmailLocalPart + "@" + EmailDomain + "$",
        ["hostname"] = "^" + Hostname + "$",
        ["duration"] = "^" + Duration + "$",
    };

    /// <summary>The pattern that holds a format, or null for a format that is only an annotation.</summary>
    public static string? PatternOf(string format) => Patterns.GetValueOrDefault(format);
}
