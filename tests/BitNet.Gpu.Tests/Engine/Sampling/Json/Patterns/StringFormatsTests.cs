using System.Globalization;
using BitNet.Gpu.Engine.Sampling.Patterns;

namespace BitNet.Gpu.Tests.Engine.Sampling.Json.Patterns;

/// <summary>
/// The formats held as patterns accept what .NET reads into its types: every day of years that test the calendar's
/// rules against DateOnly, fresh random times against TimeOnly, date-times against DateTimeOffset, UUIDs against Guid.
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
}
