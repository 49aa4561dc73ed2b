using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace BitNet.Gpu.Server.Http;

/// <summary>
/// The certificate HTTPS is served with: a PEM certificate (chain) file and its PEM private key file, as llama-server's
/// --ssl-cert-file and --ssl-key-file take them. A file that is missing or not PEM, or a key that does not belong to the
/// certificate, is an <see cref="ArgumentException"/> naming the option and the file.
/// </summary>
internal static class TlsCertificate
{
    /// <summary>Both files, each there and of a PEM file's size, or neither (plain HTTP); one without the other is refused.</summary>
    public static void Validate(string? certificateFile, string? keyFile)
    {
        if (certificateFile is null != keyFile is null)
            throw new ArgumentException("TlsCertificateFile and TlsKeyFile go together: give both for HTTPS, or neither",
                                        certificateFile is null ? nameof(ServerOptions.TlsCertificateFile) : nameof(ServerOptions.TlsKeyFile));
        if (certificateFile is null || keyFile is null) return;
        RequireFile(certificateFile, nameof(ServerOptions.TlsCertificateFile));
        RequireFile(keyFile, nameof(ServerOptions.TlsKeyFile));
    }

    /// <summary>The certificate with its key, ready for Kestrel; null without files.</summary>
    public static X509Certificate2? Load(string? certificateFile, string? keyFile)
    {
        Validate(certificateFile, keyFile);
        if (certificateFile is null || keyFile is null) return null;
        try
        {
            return X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw new ArgumentException($"TlsCertificateFile '{certificateFile}' with TlsKeyFile '{keyFile}' is not a PEM certificate and its private key: {e.Message}",
                                        nameof(ServerOptions.TlsCertificateFile), e);
        }
    }

    static void RequireFile(string path, string option)
    {
        if (!File.Exists(path)) throw new ArgumentException($"{option} '{path}' does not exist", option);
        if (new FileInfo(path).Length > 1 << 20) throw new ArgumentException($"{option} '{path}' is larger than 1 MiB; it is not a PEM file", option);
    }
}
