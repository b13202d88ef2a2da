using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace KVEdge.Core.Validation.Credentials;

/// <summary>
/// PEM certificate and key checks the runtime only makes at `iotedge check` time, or not at all:
/// it parses, the key matches the certificate, the certificate is in date.
/// </summary>
public static class PemCredentials
{
    public sealed record CertificateInfo(string Subject, string? CommonName, DateTimeOffset NotBefore, DateTimeOffset NotAfter, byte[] PublicKeyInfo);

    /// <summary>The first certificate of a PEM chain, or null with the reason.</summary>
    public static CertificateInfo? TryReadCertificate(string pem, out string? error)
    {
        error = null;
        if (!pem.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
        {
            error = "is not a PEM certificate (expected -----BEGIN CERTIFICATE-----)";
            return null;
        }

        if (SshLooksPrivate(pem))
        {
            error = "holds a private key; give the certificate alone and the key separately";
            return null;
        }

        try
        {
            var chain = new X509Certificate2Collection();
            chain.ImportFromPem(pem);
            if (chain.Count == 0)
            {
                error = "holds no certificate";
                return null;
            }

            var leaf = chain[0];
            var info = new CertificateInfo(leaf.Subject, leaf.GetNameInfo(X509NameType.SimpleName, forIssuer: false),
                new DateTimeOffset(leaf.NotBefore.ToUniversalTime()), new DateTimeOffset(leaf.NotAfter.ToUniversalTime()), leaf.PublicKey.ExportSubjectPublicKeyInfo());
            foreach (var c in chain)
            {
                c.Dispose();
            }

            return info;
        }
        catch (CryptographicException)
        {
            error = "is not a valid PEM certificate";
            return null;
        }
    }

    /// <summary>The public half of a PEM private key (RSA or EC), or null with the reason; the key itself never leaves this method.</summary>
    public static byte[]? TryReadPrivateKey(string pem, out string? error)
    {
        error = null;
        if (!pem.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
        {
            error = "is not a PEM private key (expected -----BEGIN PRIVATE KEY----- or an RSA/EC variant)";
            return null;
        }

        if (pem.Contains("ENCRYPTED PRIVATE KEY", StringComparison.Ordinal))
        {
            error = "is encrypted; aziot needs an unencrypted key (protect it with the Secret instead)";
            return null;
        }

        foreach (var create in new Func<AsymmetricAlgorithm>[] { () => RSA.Create(), () => ECDsa.Create() })
        {
            using var algorithm = create();
            try
            {
                algorithm.ImportFromPem(pem);
                return algorithm.ExportSubjectPublicKeyInfo();
            }
            catch (Exception ex) when (ex is CryptographicException or ArgumentException)
            {
                // try the next algorithm
            }
        }

        error = "is not a readable RSA or EC private key";
        return null;
    }

    private static bool SshLooksPrivate(string pem) => pem.Contains("PRIVATE KEY-----", StringComparison.Ordinal);
}
