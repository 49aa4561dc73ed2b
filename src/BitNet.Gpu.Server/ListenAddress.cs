using System.Net;

namespace BitNet.Gpu.Server;

/// <summary>The IP address a --host names: an IP literal, localhost (the IPv4 loopback) or * (every address).</summary>
internal static class ListenAddress
{
    public static IPAddress Parse(string host) => host switch
    {
        "localhost" => IPAddress.Loopback,
        "*" => IPAddress.Any,
        _ when IPAddress.TryParse(host, out var address) => address,
        _ => throw new ArgumentException($"Host '{host}' is not an IP address (use e.g. 127.0.0.1, 0.0.0.0, :: or localhost)", nameof(ServerOptions.Host)),
    };
}
