using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace BitNet.Gpu.Server.Ollama;

/// <summary>Times as Ollama writes them: created_at in RFC 3339 (UTC), durations in nanoseconds.</summary>
internal static class OllamaClock
{
    public static string Now() => DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture);

    public static long Nanoseconds(TimeSpan span) => span.Ticks * 100;

    /// <summary>Nanoseconds since <paramref name="timestamp"/> (a <see cref="Stopwatch.GetTimestamp"/>).</summary>
    public static long Since(long timestamp) => Nanoseconds(Stopwatch.GetElapsedTime(timestamp));

    /// <summary>
    /// The done_reason of a request with nothing to generate (an empty prompt, no messages), which Ollama answers by
    /// loading the model: "load", or "unload" for keep_alive 0. This server keeps its one model loaded either way.
    /// </summary>
    public static string LoadReason(JsonElement? keepAlive) => keepAlive switch
    {
        { ValueKind: JsonValueKind.Number } n when n.TryGetDouble(out double seconds) && seconds == 0 => "unload",
        { ValueKind: JsonValueKind.String } s when s.GetString() is "0" or "0s" or "0m" or "0h" => "unload",
        _ => "load",
    };
}
