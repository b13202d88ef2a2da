using System.Security.Cryptography;
using System.Text;

namespace KVEdge.Core.Rendering;

/// <summary>
/// Identity that must survive VM re-creation: the firmware UUID (cloud-init's instance-id on KubeVirt)
/// and the MAC (the DHCP lease and netplan's match). Both derive from namespace/name when not given.
/// </summary>
public static class DeviceIdentity
{
    // Fixed namespace for kvedge's name-based UUIDs; changing it would re-run cloud-init on every device.
    private static readonly Guid UuidNamespace = new("9f6c3f2e-6a0e-5b8e-9d3c-6b7f0d1e4a21");

    public static string DeriveMac(string @namespace, string name)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"kvedge/mac/{@namespace}/{name}"));

        // Locally administered (bit 1 set), unicast (bit 0 clear): never collides with a vendor's MAC.
        hash[0] = (byte)((hash[0] & 0xFC) | 0x02);
        return string.Join(':', hash.Take(6).Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
    }

    public static string DeriveUuid(string @namespace, string name) => NameBasedUuid(UuidNamespace, $"{@namespace}/{name}").ToString("D");

    /// <summary>RFC 9562 version 5 (SHA-1) name-based UUID.</summary>
    internal static Guid NameBasedUuid(Guid ns, string name)
    {
        var nsBytes = ns.ToByteArray(bigEndian: true);
        var nameBytes = Encoding.UTF8.GetBytes(name);
#pragma warning disable CA5350 // SHA-1 is what RFC 9562 specifies for v5; this is an identifier, not a security boundary.
        var hash = SHA1.HashData([.. nsBytes, .. nameBytes]);
#pragma warning restore CA5350
        var bytes = hash.AsSpan(0, 16).ToArray();
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x50);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }
}
