using System.Net;

namespace BitNet.Gpu.Server.Http;

/// <summary>
/// Which web pages may call the server from a browser (CORS): by default pages served from this machine (an origin whose
/// host is localhost or a loopback address, any port), as Ollama allows; or the origins given
/// (<see cref="ServerOptions.AllowedOrigins"/>: <c>scheme://host[:port]</c> each, or <c>*</c> for any page). A page of
/// another origin can still send a request, but its browser does not let it read the answer or send JSON at all.
/// </summary>
internal sealed class AllowedOrigins
{
    readonly HashSet<string>? _listed;

    /// <summary>Whether any page may call the server (<c>*</c>): the answers say so to every page alike.</summary>
    public bool Any { get; }

    /// <summary><paramref name="origins"/> as <see cref="ServerOptions.AllowedOrigins"/> holds them (checked by <see cref="Validate"/>); null: loopback pages.</summary>
    public AllowedOrigins(IReadOnlyList<string>? origins)
    {
        if (origins is null) return;
        Any = origins.Contains("*");
        _listed = new HashSet<string>(origins.Where(o => o != "*").Select(Normalize), StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Whether a page of <paramref name="origin"/> (a request's Origin header) may read the server's answers.</summary>
    public bool IsAllowed(string origin)
    {
        if (Any) return true;
        if (_listed is not null) return Uri.TryCreate(origin, UriKind.Absolute, out _) && _listed.Contains(Normalize(origin));
        return Uri.TryCreate(origin, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            && (uri.IsLoopback || IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
    }

    /// <summary>Throws an <see cref="ArgumentException"/> naming AllowedOrigins for an entry that is not <c>*</c> or an origin.</summary>
    public static void Validate(IReadOnlyList<string>? origins)
    {
        if (origins is null) return;
        if (origins.Count == 0) throw new ArgumentException("AllowedOrigins must hold at least one origin (or be null for pages of this machine)", nameof(ServerOptions.AllowedOrigins));
        foreach (string origin in origins)
        {
            if (origin == "*") continue;
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.PathAndQuery != "/" || origin.EndsWith('/')
                || !string.IsNullOrEmpty(uri.UserInfo) || !string.IsNullOrEmpty(uri.Fragment))
                throw new ArgumentException($"AllowedOrigins holds '{origin}', which is not an origin such as https://app.example.com or http://localhost:3000 (or * for any page)",
                                            nameof(ServerOptions.AllowedOrigins));
        }
    }

    /// <summary>An origin as browsers send it: scheme and host in lowercase, the default port left out.</summary>
    static string Normalize(string origin) => new Uri(origin).GetLeftPart(UriPartial.Authority).ToLowerInvariant();
}
