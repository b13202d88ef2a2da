using System.Buffers.Binary;
using System.Numerics;
using System.Text;
using KVEdge.Core.Spec;

namespace KVEdge.Core.Validation;

/// <summary>
/// Parses one OpenSSH authorized_keys line far enough to refuse what sshd would ignore:
/// a wrong type, a broken body, a weak RSA key, or a private key pasted by mistake.
/// Messages never include the key text.
/// </summary>
public sealed record SshPublicKey(string Type, int Bits, string? Comment)
{
    public const int MinimumRsaBits = 2048;

    private static readonly Dictionary<string, (string Curve, int PointLength, int Bits)> Ecdsa = new(StringComparer.Ordinal)
    {
        ["ecdsa-sha2-nistp256"] = ("nistp256", 65, 256),
        ["ecdsa-sha2-nistp384"] = ("nistp384", 97, 384),
        ["ecdsa-sha2-nistp521"] = ("nistp521", 133, 521),
    };

    public static IReadOnlyList<string> SupportedTypes => SpecVocabulary.SshKeyTypes;

    public static bool LooksLikePrivateKey(string text) =>
        text.Contains("PRIVATE KEY", StringComparison.Ordinal) || text.Contains("PuTTY-User-Key-File", StringComparison.Ordinal);

    /// <summary>Returns the parsed key, or null with the reason in <paramref name="error"/>.</summary>
    public static SshPublicKey? TryParse(string line, out string? error)
    {
        error = null;
        var text = line.Trim();
        if (LooksLikePrivateKey(text))
        {
            error = "this is a private key; give the public key (the .pub file) instead. The value is not shown";
            return null;
        }

        if (text.StartsWith("---- BEGIN SSH2 PUBLIC KEY", StringComparison.Ordinal))
        {
            error = "RFC 4716 (SSH2) format; convert it with 'ssh-keygen -i -f KEY' to the one-line OpenSSH format";
            return null;
        }

        if (text.Contains('\n', StringComparison.Ordinal))
        {
            error = "must be a single line; give each key as its own list item";
            return null;
        }

        var parts = text.Split((char[])[' ', '\t'], 3, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2)
        {
            error = "must be '<type> <base64> [comment]', as in an id_*.pub file";
            return null;
        }

        var type = parts[0];
        if (!SupportedTypes.Contains(type))
        {
            error = $"unsupported key type '{Printable(type)}'; use one of {string.Join(", ", SupportedTypes)}";
            return null;
        }

        byte[] blob;
        try
        {
            blob = Convert.FromBase64String(parts[1]);
        }
        catch (FormatException)
        {
            error = "the key body is not valid base64";
            return null;
        }

        var reader = new BlobReader(blob);
        var embedded = reader.ReadString();
        if (embedded is null || Encoding.ASCII.GetString(embedded) != type)
        {
            error = $"the key body does not hold a {type} key (the type and the body disagree)";
            return null;
        }

        var comment = parts.Length > 2 ? parts[2] : null;
        switch (type)
        {
            case "ssh-ed25519":
                var point = reader.ReadString();
                if (point is not { Length: 32 } || !reader.AtEnd)
                {
                    error = "the ed25519 key body is malformed (expected a 32-byte key)";
                    return null;
                }

                return new SshPublicKey(type, 256, comment);

            case "ssh-rsa":
                var e = reader.ReadString();
                var n = reader.ReadString();
                if (e is null || n is null || !reader.AtEnd || n.Length == 0)
                {
                    error = "the RSA key body is malformed";
                    return null;
                }

                var modulus = new BigInteger(n, isUnsigned: true, isBigEndian: true);
                var bits = (int)modulus.GetBitLength();
                if (bits < MinimumRsaBits)
                {
                    error = $"RSA key of {bits} bits is too weak; use at least {MinimumRsaBits} bits (or ed25519)";
                    return null;
                }

                return new SshPublicKey(type, bits, comment);

            default:
                var (curve, pointLength, curveBits) = Ecdsa[type];
                var curveName = reader.ReadString();
                var q = reader.ReadString();
                if (curveName is null || Encoding.ASCII.GetString(curveName) != curve || q is null || q.Length != pointLength || q[0] != 0x04 || !reader.AtEnd)
                {
                    error = $"the {type} key body is malformed";
                    return null;
                }

                return new SshPublicKey(type, curveBits, comment);
        }
    }

    private static string Printable(string s) => s.Length > 40 || s.Any(char.IsControl) ? s[..Math.Min(s.Length, 12)] + "…" : s;

    private ref struct BlobReader(ReadOnlySpan<byte> data)
    {
        private ReadOnlySpan<byte> _rest = data;

        public readonly bool AtEnd => _rest.IsEmpty;

        public byte[]? ReadString()
        {
            if (_rest.Length < 4)
            {
                return null;
            }

            var length = BinaryPrimitives.ReadUInt32BigEndian(_rest);
            if (length > (uint)(_rest.Length - 4))
            {
                return null;
            }

            var value = _rest.Slice(4, (int)length).ToArray();
            _rest = _rest[(4 + (int)length)..];
            return value;
        }
    }
}
