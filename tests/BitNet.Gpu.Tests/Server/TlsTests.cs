using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using BitNet.Gpu.Server;

namespace BitNet.Gpu.Tests.Server;

/// <summary>
/// HTTPS from a PEM certificate and key (serve --ssl-cert-file, --ssl-key-file): a client that trusts the certificate
/// is served, plain HTTP is not; a missing, lone, unreadable or mismatched file is refused naming its option.
/// </summary>
public sealed class TlsTests : IDisposable
{
    readonly string _folder = Directory.CreateTempSubdirectory("bitnet-tls-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>A self-signed certificate for 127.0.0.1 written as PEM files; returns their paths and the certificate.</summary>
    (string Certificate, string Key, X509Certificate2 Issued) WriteSelfSigned(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        var issued = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        string certificate = Path.Combine(_folder, name + ".crt.pem"), keyFile = Path.Combine(_folder, name + ".key.pem");
        File.WriteAllText(certificate, issued.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        return (certificate, keyFile, issued);
    }

    [Fact]
    public async Task WithACertificate_TheServerSpeaksHttps_ToAClientThatTrustsIt()
    {
        var (certificate, key, issued) = WriteSelfSigned("server");
        await using var server = await ServerFixture.Start(o => o with { TlsCertificateFile = certificate, TlsKeyFile = key });
        Assert.Equal("https", server.Address.Scheme);

        using var trusting = new HttpClient(new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, presented, _, _) => presented?.Thumbprint == issued.Thumbprint,
        }) { BaseAddress = server.Address };
        Assert.Equal(HttpStatusCode.OK, (await trusting.GetAsync("/health")).StatusCode);
        var chat = await trusting.PostAsync("/v1/chat/completions", new StringContent("""{"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 2}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, chat.StatusCode);

        using var plain = new HttpClient { BaseAddress = new UriBuilder(server.Address) { Scheme = "http" }.Uri };
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => plain.GetAsync("/health"));
        using var untrusting = new HttpClient { BaseAddress = server.Address };
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => untrusting.GetAsync("/health")); // self-signed: not trusted by default
    }

    [Fact]
    public async Task AFileThatCannotServe_IsRefusedNamingItsOption()
    {
        var (certificate, key, _) = WriteSelfSigned("one");
        var (_, otherKey, _) = WriteSelfSigned("other");
        string garbage = Path.Combine(_folder, "garbage.pem");
        File.WriteAllText(garbage, "not a certificate");

        void Refused(ServerOptions options, string option, string fragment)
        {
            var error = Assert.Throws<ArgumentException>(options.Validate);
            Assert.Equal(option, error.ParamName);
            Assert.Contains(fragment, error.Message);
        }
        var baseOptions = new ServerOptions { ModelPath = "model.gguf" };
        Refused(baseOptions with { TlsCertificateFile = certificate }, "TlsKeyFile", "go together");
        Refused(baseOptions with { TlsKeyFile = key }, "TlsCertificateFile", "go together");
        Refused(baseOptions with { TlsCertificateFile = Path.Combine(_folder, "missing.pem"), TlsKeyFile = key }, "TlsCertificateFile", "does not exist");

        foreach (var (badCertificate, badKey) in new[] { (garbage, key), (certificate, garbage), (certificate, otherKey) })
        {
            var error = await Assert.ThrowsAsync<ArgumentException>(() => ServerFixture.Start(o => o with { TlsCertificateFile = badCertificate, TlsKeyFile = badKey }));
            Assert.Equal("TlsCertificateFile", error.ParamName);
            Assert.Contains(badCertificate, error.Message);
        }
    }
}
