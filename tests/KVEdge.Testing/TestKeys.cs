using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace KVEdge.Testing;

/// <summary>Real OpenSSH public keys (generated with ssh-keygen) and freshly made ones of any size.</summary>
public static class TestKeys
{
    public const string Ed25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGj12ED+RvJ0udG+wWO2WBALQhF7whJ4zbMyMiE7aDRk ops@factory-a";

    public const string Ecdsa384 = "ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBNPTon1ezDLpeKWNrmrKby9Ef97Des0ifVLrtLBoflgYQd0K4PUrmsq4PaOjU5xt7ae6ZSiMFNAHInr49O8EehDlVNJ9E9mbvMSykYzxwHUXeZOoK6ovjEkVhZBzbMjWAQ== oncall@factory-b";

    /// <summary>An OpenSSH-format RSA public key of the given size, built from a key .NET generates.</summary>
    public static string Rsa(int bits, string comment = "test@kvedge")
    {
        using var rsa = RSA.Create(bits);
        var p = rsa.ExportParameters(false);
        return "ssh-rsa " + Convert.ToBase64String(Blob(Encoding.ASCII.GetBytes("ssh-rsa"), MpInt(p.Exponent!), MpInt(p.Modulus!))) + " " + comment;
    }

    /// <summary>An ECDSA key on the named curve, in OpenSSH format.</summary>
    public static string Ecdsa(int size)
    {
        var curve = size switch { 256 => ECCurve.NamedCurves.nistP256, 384 => ECCurve.NamedCurves.nistP384, _ => ECCurve.NamedCurves.nistP521 };
        using var ec = ECDsa.Create(curve);
        var q = ec.ExportParameters(false).Q;
        var type = $"ecdsa-sha2-nistp{size}";
        byte[] point = [0x04, .. q.X!, .. q.Y!];
        return type + " " + Convert.ToBase64String(Blob(Encoding.ASCII.GetBytes(type), Encoding.ASCII.GetBytes($"nistp{size}"), point));
    }

    public static string PrivateKeyPem()
    {
        using var rsa = RSA.Create(2048);
        return rsa.ExportRSAPrivateKeyPem();
    }

    public static byte[] Blob(params byte[][] parts)
    {
        var ms = new MemoryStream();
        foreach (var part in parts)
        {
            var len = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(len, (uint)part.Length);
            ms.Write(len);
            ms.Write(part);
        }

        return ms.ToArray();
    }

    private static byte[] MpInt(byte[] unsignedBigEndian) =>
        unsignedBigEndian[0] >= 0x80 ? [0, .. unsignedBigEndian] : unsignedBigEndian;
}
