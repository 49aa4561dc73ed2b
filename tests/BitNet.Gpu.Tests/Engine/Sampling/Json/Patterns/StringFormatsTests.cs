using System.Globalization;
using BitNet.Gpu.Engine.Sampling.Patterns;

namespace BitNet.Gpu.Tests.Engine.Sampling.Json.Patterns;

/// <summary>
/// The formats held as patterns accept what .NET reads into its types: every day of years that test the calendar's
/// rules against DateOnly, fresh random times against TimeOnly, date-times against DateTimeOffset, UUIDs against Guid,
/// IP addresses against IPAddress.
/// </summary>
public class StringFormatsTests
{
    static PatternAutomaton Format(string name) => PatternAutomaton.Build(RegexParser.Parse(StringFormats.PatternOf(name)!));

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(100)]
    [InlineData(400)]
    [InlineData(1900)]
    [InlineData(2000)]
    [InlineData(2023)]
    [InlineData(2024)]
    [InlineData(9999)]
    public void EveryMonthAndDayOfAYear_IsADate_ExactlyWhereDateOnlyReadsIt(int year)
    {
        var date = Format("date");
        for (int month = 0; month <= 13; month++)
            for (int day = 0; day <= 32; day++)
            {
                string text = $"{year:D4}-{month:D2}-{day:D2}";
                bool expected = DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _);
                Assert.True(expected == date.Matches(text), text);
            }
        Assert.False(date.Matches("0000-01-01"));
        Assert.False(date.Matches("2024-1-01"));
    }

    [Fact]
    public void RandomTimesAndDateTimes_AreAccepted_ExactlyWhereDotNetReadsThem()
    {
        var time = Format("time");
        var dateTime = Format("date-time");
        int seed = Environment.TickCount;
        var random = new Random(seed);
        int accepted = 0;
        for (int i = 0; i < 3000; i++)
        {
            string clock = $"{random.Next(26):D2}:{random.Next(62):D2}:{random.Next(62):D2}" + (random.Next(2) == 0 ? "" : "." + new string('7', random.Next(1, 9)));
            bool timeExpected = clock.Length <= 16 && TimeOnly.TryParseExact(clock, ["HH:mm:ss", "HH:mm:ss.FFFFFFF"], CultureInfo.InvariantCulture, DateTimeStyles.None, out _);
            Assert.True(timeExpected == time.Matches(clock), $"seed {seed}: {clock}");

            int offsetMinutes = random.Next(-15 * 60, 15 * 60);
            string offset = random.Next(4) == 0 ? "Z" : $"{(offsetMinutes < 0 ? '-' : '+')}{Math.Abs(offsetMinutes) / 60:D2}:{Math.Abs(offsetMinutes) % 60:D2}";
            string text = $"{random.Next(1, 3000):D4}-{random.Next(1, 13):D2}-{random.Next(1, 32):D2}T{clock}{offset}";
            bool expected = clock.Length <= 16 && DateTimeOffset.TryParseExact(text, ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"],
                CultureInfo.InvariantCulture, DateTimeStyles.None, out _);
            Assert.True(expected == dateTime.Matches(text), $"seed {seed}: {text}");
            if (expected) accepted++;
        }
        Assert.True(accepted > 500, $"seed {seed}: only {accepted} date-times were valid");
    }

    [Fact]
    public void Uuids_AreLowercaseHexInGroupsOf8_4_4_4_12()
    {
        var uuid = Format("uuid");
        for (int i = 0; i < 100; i++) Assert.True(uuid.Matches(Guid.NewGuid().ToString("D")));
        Assert.False(uuid.Matches(Guid.NewGuid().ToString("D").ToUpperInvariant()));
        Assert.False(uuid.Matches(Guid.NewGuid().ToString("N")));
        Assert.Null(StringFormats.PatternOf("uri"));
    }

    [Fact]
    public void RandomIPv4Addresses_AreAccepted_ExactlyWhereIPAddressReadsThemAsWritten()
    {
        var ipv4 = Format("ipv4");
        int seed = Environment.TickCount;
        var random = new Random(seed);
        int accepted = 0;
        for (int i = 0; i < 3000; i++)
        {
            var parts = Enumerable.Range(0, random.Next(10) == 0 ? random.Next(2, 6) : 4).Select(_ => random.Next(6) switch
            {
                0 => random.Next(250, 300).ToString(CultureInfo.InvariantCulture),
                1 => "0" + random.Next(10),                                       // a leading zero
                2 => random.Next(4) == 0 ? "" : "1a",
                _ => random.Next(256).ToString(CultureInfo.InvariantCulture),
            });
            string text = string.Join('.', parts);
            // IPAddress also reads older forms ("1.2.3", octal "01"); written back, only the dotted quad is the same text.
            bool expected = System.Net.IPAddress.TryParse(text, out var address) && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && address.ToString() == text;
            Assert.True(expected == ipv4.Matches(text), $"seed {seed}: {text}");
            if (expected) accepted++;
        }
        Assert.True(accepted > 100, $"seed {seed}: only {accepted} addresses were valid");
    }

    [Fact]
    public void RandomIPv6Addresses_AreAccepted_ExactlyWhereIPAddressReadsThem()
    {
        var ipv6 = Format("ipv6");
        int seed = Environment.TickCount;
        var random = new Random(seed);
        int accepted = 0;
        for (int i = 0; i < 5000; i++)
        {
            bool withIPv4 = random.Next(4) == 0;
            var groups = Enumerable.Range(0, random.Next(0, 10)).Select(_ => random.Next(12) switch
            {
                0 => "",
                1 => "12345",                                                     // five digits
                2 => "g1",
                _ => random.Next(0x10000).ToString(random.Next(2) == 0 ? "x4" : "X4", CultureInfo.InvariantCulture)[..random.Next(1, 5)],
            }).ToList();
            if (random.Next(2) == 0) groups.Insert(random.Next(groups.Count + 1), ""); // a "::" (or a stray ':')
            string text = string.Join(':', groups);
            if (groups.Count > 0 && groups[0] == "") text = ":" + text;
            if (groups.Count > 0 && groups[^1] == "" && !withIPv4) text += ":";
            if (withIPv4) text += (text.EndsWith(':') || text.Length == 0 ? "" : ":") + $"{random.Next(256)}.{random.Next(256)}.{random.Next(300)}.{random.Next(256)}";
            bool expected = System.Net.IPAddress.TryParse(text, out var address) && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
            Assert.True(expected == ipv6.Matches(text), $"seed {seed}: {text} (IPAddress: {expected})");
            if (expected) accepted++;
        }
        Assert.True(accepted > 300, $"seed {seed}: only {accepted} addresses were valid");
        foreach (string text in (string[])["::", "::1", "1::", "fe80::1:2:3:4", "::ffff:192.0.2.128", "2001:DB8::8:800:200C:417A", "1:2:3:4:5:6:7:8"]) Assert.True(ipv6.Matches(text), text);
        foreach (string text in (string[])["1:2:3:4:5:6:7:8:9", "1::2::3", ":1:2", "fe80::1%eth0", "[::1]", "1:2:3:4:5:6:7:1.2.3.4"]) Assert.False(ipv6.Matches(text), text);
    }

    /// <summary>WHATWG's valid email address, read by hand: one '@', a non-empty local part of the allowed characters, a
    /// domain of labels (of any length: the product leaves out the 63-character bound).</summary>
    static bool IsEmail(string text)
    {
        int at = text.IndexOf('@');
        return at > 0 && text.IndexOf('@', at + 1) < 0
            && text[..at].All(c => char.IsAsciiLetterOrDigit(c) || ".!#$%&'*+/=?^_`{|}~-".Contains(c)) && AreLabels(text[(at + 1)..], int.MaxValue);
    }

    /// <summary>RFC 1123 labels read by hand: 1 to 63 letters, digits or hyphens each, no hyphen first or last.</summary>
    static bool IsHostname(string text) => AreLabels(text, 63);

    static bool AreLabels(string text, int longest) => text.Split('.').All(label =>
        label.Length >= 1 && label.Length <= longest && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') && label[0] != '-' && label[^1] != '-');

    static string RandomLabel(Random random) => random.Next(8) switch
    {
        0 => "",
        1 => new string('a', random.Next(60, 66)),
        2 => "-x",
        3 => "x-",
        4 => "x_y",
        _ => string.Concat(Enumerable.Range(0, random.Next(1, 6)).Select(_ => "ab9-Z"[random.Next(5)])),
    };

    [Fact]
    public void RandomEmailsAndHostnames_AreAccepted_ExactlyWhereTheirDefinitionsReadByHandAllowThem()
    {
        var email = Format("email");
        var hostname = Format("hostname");
        int seed = Environment.TickCount;
        var random = new Random(seed);
        int emails = 0, hostnames = 0;
        for (int i = 0; i < 3000; i++)
        {
            string host = string.Join('.', Enumerable.Range(0, random.Next(1, 4)).Select(_ => RandomLabel(random)));
            string local = string.Concat(Enumerable.Range(0, random.Next(0, 5)).Select(_ => "aZ9.+'_~ \"(),@"[random.Next(13)]));
            string address = local + (random.Next(10) == 0 ? "" : "@") + host;
            Assert.True(IsHostname(host) == hostname.Matches(host), $"seed {seed}: {host}");
            Assert.True(IsEmail(address) == email.Matches(address), $"seed {seed}: {address}");
            if (IsHostname(host)) hostnames++;
            if (IsEmail(address)) emails++;
        }
        Assert.True(hostnames > 300 && emails > 100, $"seed {seed}: only {hostnames} hostnames and {emails} addresses were valid");
    }

    [Fact]
    public void Durations_FollowRfc3339sGrammar()
    {
        var duration = Format("duration");
        foreach (string text in (string[])["P1Y", "P1Y2M", "P1Y2M3D", "P2M3D", "P3D", "P1DT2H", "PT2H3M4S", "PT3M4S", "PT4S", "PT1H", "P4W", "P0D", "P12Y34M56DT78H90M12S"])
            Assert.True(duration.Matches(text), text);
        foreach (string text in (string[])["", "P", "PT", "P1DT", "P1Y2D", "PT1H2S", "P1W2D", "P1.5D", "1D", "P-1D", "PT1D", "P1H", "p1d", "P1D2M"])
            Assert.False(duration.Matches(text), text);
    }
}
