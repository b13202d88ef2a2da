using System.Security.Cryptography;
using System.Text;

namespace KVEdge.Core.Rendering.IotEdge;

/// <summary>
/// The device key of a DPS symmetric-key group enrollment: Base64(HMAC-SHA256(Base64Decode(groupKey), UTF8(registrationId))).
/// The runtime does not derive it, and the group key must never reach a device.
/// </summary>
public static class DpsKeyDerivation
{
    public static string DeriveDeviceKey(string groupKeyBase64, string registrationId) =>
        Convert.ToBase64String(HMACSHA256.HashData(Convert.FromBase64String(Pad(groupKeyBase64)), Encoding.UTF8.GetBytes(registrationId)));

    private static string Pad(string b64) => b64.Length % 4 == 0 ? b64 : b64 + new string('=', 4 - (b64.Length % 4));
}
