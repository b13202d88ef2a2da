using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace KVEdge.Core.IotHub;

/// <summary>
/// A service shared access signature for IoT Hub or DPS: <c>SharedAccessSignature sr=&amp;sig=&amp;se=&amp;skn=</c>, the
/// signature being Base64(HMAC-SHA256(Base64Decode(key), UTF8(URL-encoded resource + "\n" + expiry))), where the
/// resource is signed URL-encoded exactly as it is sent (learn.microsoft.com/azure/iot-hub/authenticate-authorization-sas;
/// Azure/azure-iot-sdk-csharp main, SharedAccessSignatureBuilder.cs, which encodes with WebUtility.UrlEncode: upper-case
/// hex). A service token is scoped to the host (<c>HUB.azure-devices.net</c>, <c>DPS.azure-devices-provisioning.net</c>).
/// The token is a credential: it goes into an Authorization header and nowhere else.
/// </summary>
public static class SasToken
{
    public static string Create(string resource, string keyBase64, string? policyName, DateTimeOffset expiry)
    {
        var encoded = WebUtility.UrlEncode(resource);
        var se = expiry.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signature = Convert.ToBase64String(HMACSHA256.HashData(Convert.FromBase64String(keyBase64), Encoding.UTF8.GetBytes($"{encoded}\n{se}")));
        var token = $"SharedAccessSignature sr={encoded}&sig={WebUtility.UrlEncode(signature)}&se={se}";
        return policyName is null ? token : $"{token}&skn={WebUtility.UrlEncode(policyName)}";
    }
}
