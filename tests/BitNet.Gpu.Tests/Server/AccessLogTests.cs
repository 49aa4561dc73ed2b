using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace BitNet.Gpu.Tests.Server;

/// <summary>The access log: a line per answered request with method, path, status and time; probes only at Debug.</summary>
public class AccessLogTests
{
    [Fact]
    public async Task EachRequest_IsOneLine_WithItsStatus_AndProbesAreQuiet()
    {
        var lines = new ConcurrentQueue<(LogLevel Level, string Category, string Text)>();
        await using (var server = await ServerFixture.Start(o => o with { ConfigureLogging = logging => logging.AddProvider(new Capture(lines)) }))
        {
            using var client = new ServerClient(server.Address);
            await client.PostAsync("/v1/chat/completions", """{"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 2}""");
            await client.PostAsync("/v1/chat/completions", """{"messages": []}""");
            await client.GetAsync("/health");
        }
        var access = lines.Where(l => l.Category.EndsWith("AccessLog")).ToList();
        Assert.Contains(access, l => l.Level == LogLevel.Information && System.Text.RegularExpressions.Regex.IsMatch(l.Text, @"^POST /v1/chat/completions 200 \d+ ms 127\.0\.0\.1$"));
        Assert.Contains(access, l => l.Level == LogLevel.Information && l.Text.StartsWith("POST /v1/chat/completions 400 "));
        Assert.DoesNotContain(access, l => l.Level >= LogLevel.Information && l.Text.StartsWith("GET /health")); // a probe is a Debug line
    }

    sealed class Capture(ConcurrentQueue<(LogLevel, string, string)> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string category) => new Logger(category, lines);
        public void Dispose() { }
    }

    sealed class Logger(string category, ConcurrentQueue<(LogLevel, string, string)> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel level) => true;
        public void Log<TState>(LogLevel level, EventId id, TState state, Exception? error, Func<TState, Exception?, string> format) =>
            lines.Enqueue((level, category, format(state, error)));
    }
}
