using System.Text;

namespace BitNet.Gpu.Engine.Sampling;

/// <summary>What <see cref="StopStringDetector.Push"/> found in the text so far.</summary>
/// <param name="SafeText">text that can be shown now: it cannot be part of a stop string</param>
/// <param name="StopString">the stop string that ended the generation, or null</param>
public readonly record struct StopScan(string SafeText, string? StopString)
{
    public bool Stopped => StopString is not null;
}

/// <summary>
/// Watches the generated text, piece by piece, for stop strings that may span token boundaries.
/// Text is held back while it could still be the start of a stop string; when a stop string appears, the
/// text before it is released and the stop string and everything after it are dropped.
/// </summary>
public sealed class StopStringDetector
{
    private readonly string[] _stopStrings;
    private readonly StringBuilder _pending = new(); // received, not yet released

    public StopStringDetector(IEnumerable<string> stopStrings)
    {
        ArgumentNullException.ThrowIfNull(stopStrings);
        _stopStrings = [.. stopStrings];
        foreach (string stop in _stopStrings)
        {
            if (string.IsNullOrEmpty(stop)) throw new ArgumentException("stop strings must not be null or empty", nameof(stopStrings));
        }
    }

    public IReadOnlyList<string> StopStrings => _stopStrings;

    /// <summary>The stop string found so far, or null.</summary>
    public string? StoppedBy { get; private set; }

    /// <summary>Adds a decoded piece and returns what is safe to emit now and whether a stop string was hit.</summary>
    public StopScan Push(string piece)
    {
        ArgumentNullException.ThrowIfNull(piece);
        if (StoppedBy is not null) throw new InvalidOperationException($"generation already stopped at \"{StoppedBy}\"; call Reset first");
        _pending.Append(piece);
        string text = _pending.ToString();

        var (index, stop) = EarliestStop(text);
        if (stop is not null)
        {
            StoppedBy = stop;
            _pending.Clear();
            return new StopScan(text[..index], stop);
        }

        int held = LongestSuffixStartingAStop(text);
        _pending.Remove(0, text.Length - held);
        return new StopScan(text[..^held], null);
    }

    /// <summary>At the end of the generation (no stop string hit): releases the text still held back.</summary>
    public string Flush()
    {
        string rest = _pending.ToString();
        _pending.Clear();
        return rest;
    }

    public void Reset()
    {
        _pending.Clear();
        StoppedBy = null;
    }

    /// <summary>The first occurrence of any stop string; at equal positions the longer stop string wins.</summary>
    private (int Index, string? Stop) EarliestStop(string text)
    {
        int bestIndex = int.MaxValue;
        string? best = null;
        foreach (string stop in _stopStrings)
        {
            int index = text.IndexOf(stop, StringComparison.Ordinal);
            if (index < 0) continue;
            if (index < bestIndex || (index == bestIndex && stop.Length > best!.Length)) (bestIndex, best) = (index, stop);
        }
        return (bestIndex, best);
    }

    /// <summary>Length of the longest end of <paramref name="text"/> that is a proper prefix of some stop string.</summary>
    private int LongestSuffixStartingAStop(string text)
    {
        int longest = 0;
        foreach (string stop in _stopStrings)
        {
            for (int length = Math.Min(stop.Length - 1, text.Length); length > longest; length--)
            {
                if (text.AsSpan(text.Length - length).SequenceEqual(stop.AsSpan(0, length)))
                {
                    longest = length;
                    break;
                }
            }
        }
        return longest;
    }
}
