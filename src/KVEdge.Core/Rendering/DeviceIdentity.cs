using System.Security.Cryptography;
using System.Text;

namespace KVEdge.Core.Rendering;

/// <summary>
/// Identity that must survive VM re-creation: the firmware UUID (cloud-init's instance-id on KubeVirt)
/// and the MAC (the DHCP lease and netplan's match). Both derive from namespace/name when not given.
/// </summary>
public static class DeviceIdentity
{
    // The variant bits of RFC 9562 ("10xx") applied to one hex digit, as a table so the Helm chart can do the same
    // (files/defaults.yaml carries it, with the two seeds).
    public const string VariantDigits = "89ab89ab89ab89ab";

    /// <summary>What the MAC's hash is taken of: this, then namespace/name.</summary>
    public const string MacSeed = "kvedge/mac/";

    /// <summary>What the UUID's hash is taken of: this, then namespace/name.</summary>
    public const string UuidSeed = "kvedge/uuid/";

    /// <summary>02:xx:xx:xx:xx:xx from SHA-256 of namespace/name: locally administered, unicast, never a vendor's MAC.</summary>
    public static string DeriveMac(string @namespace, string name)
    {
        var hex = Sha256Hex($"{MacSeed}{@namespace}/{name}");
        return $"02:{hex[0..2]}:{hex[2..4]}:{hex[4..6]}:{hex[6..8]}:{hex[8..10]}";
    }

    /// <summary>
    /// An RFC 9562 version 8 (name-derived) UUID from SHA-256 of namespace/name. Computable with nothing but a SHA-256
    /// and string slicing, so the Helm chart derives the same value.
    /// </summary>
    public static string DeriveUuid(string @namespace, string name)
    {
        var h = Sha256Hex($"{UuidSeed}{@namespace}/{name}");
        var variant = VariantDigits[Convert.ToInt32(h[16..17], 16)];
        return $"{h[0..8]}-{h[8..12]}-8{h[13..16]}-{variant}{h[17..20]}-{h[20..32]}";
    }

    private static string Sha256Hex(string text) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
