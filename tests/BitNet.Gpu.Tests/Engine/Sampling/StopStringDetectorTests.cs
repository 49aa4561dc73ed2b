using BitNet.Gpu.Engine.Sampling;

namespace BitNet.Gpu.Tests.Engine.Sampling;

public class StopStringDetectorTests
{
    /// <summary>Feeds pieces and returns everything emitted plus the stop string hit (emitted text includes Flush when no stop).</summary>
    private static (string Emitted, string? Stop) Run(string[] stops, params string[] pieces)
    {
        var detector = new StopStringDetector(stops);
        var emitted = new System.Text.StringBuilder();
        foreach (string piece in pieces)
        {
            var scan = detector.Push(piece);
            emitted.Append(scan.SafeText);
            if (scan.Stopped)
            {
                Assert.Equal(scan.StopString, detector.StoppedBy);
                return (emitted.ToString(), scan.StopString);
            }
        }
        emitted.Append(detector.Flush());
        return (emitted.ToString(), null);
    }

    [Fact]
    public void NoStop_EmitsEverythingUnchanged()
    {
        string[] pieces = ["Hello", ", wor", "ld", "! <", "not a stop>"];
        Assert.Equal((string.Concat(pieces), (string?)null), Run(["</s>", "User:"], pieces));
    }

    [Fact]
    public void StopInsideOnePiece_CutsBeforeIt()
    {
        Assert.Equal(("Answer: 4", "</s>"), Run(["</s>"], "Answer", ": 4</s>and more"));
    }

    [Theory]
    [InlineData("The end.|\nUs|er:| next")]
    [InlineData("The end.\n|U|s|e|r|:")]
    [InlineData("The end.\nUser: next")]
    public void StopAcrossPieces_IsFoundAndNotEmitted(string piecesSeparatedByBar)
    {
        Assert.Equal(("The end.", "\nUser:"), Run(["\nUser:"], piecesSeparatedByBar.Split('|')));
    }

    [Fact]
    public void PartialPrefix_IsHeldBack_ThenReleasedWhenItDiverges()
    {
        var detector = new StopStringDetector(["<|eot_id|>"]);
        var first = detector.Push("Hi <|eo");
        Assert.Equal("Hi ", first.SafeText); // "<|eo" could start the stop string
        Assert.False(first.Stopped);

        var second = detector.Push("t");
        Assert.Equal("", second.SafeText);

        var third = detector.Push("x");
        Assert.Equal("<|eotx", third.SafeText); // no longer a prefix: released in order
        Assert.False(third.Stopped);
    }

    [Fact]
    public void HeldBackText_IsReleasedByFlush()
    {
        var detector = new StopStringDetector(["###"]);
        Assert.Equal("abc", detector.Push("abc##").SafeText);
        Assert.Equal("##", detector.Flush());
    }

    [Fact]
    public void MultipleStops_EarliestWins()
    {
        Assert.Equal(("a", "STOP"), Run(["END", "STOP"], "aST", "OP b END"));
        Assert.Equal(("a ", "END"), Run(["END", "STOP"], "a E", "ND STOP"));
        // Overlapping candidates at the same position: the longer one is reported.
        Assert.Equal(("x", "\n\n"), Run(["\n", "\n\n"], "x\n\ny"));
    }

    [Fact]
    public void HoldBack_UsesLongestPossiblePrefixOfAnyStop()
    {
        var detector = new StopStringDetector(["abcd", "cx"]);
        Assert.Equal("z", detector.Push("zabc").SafeText); // "abc" could start "abcd"; "c" alone could start "cx"
        var scan = detector.Push("x");
        Assert.Equal(("ab", "cx"), (scan.SafeText, scan.StopString)); // "z" went out with the first piece
    }

    [Fact]
    public void AfterStop_PushThrowsUntilReset()
    {
        var detector = new StopStringDetector(["!"]);
        Assert.True(detector.Push("hey!").Stopped);
        Assert.Throws<InvalidOperationException>(() => detector.Push("more"));
        detector.Reset();
        Assert.Equal("fine", detector.Push("fine").SafeText);
    }

    [Fact]
    public void Constructor_RejectsEmptyStop()
    {
        Assert.Equal("stopStrings", Assert.Throws<ArgumentException>(() => new StopStringDetector(["ok", ""])).ParamName);
    }
}
