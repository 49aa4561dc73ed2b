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
        Assert.Null(StringFormats.PatternOf("email"));
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
}
