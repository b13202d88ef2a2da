using Azure.Core;

namespace KVEdge.Core.IotHub;

/// <summary>
/// Entra ID access tokens for IoT Hub's or DPS's service API (`Authorization: Bearer`), from an Azure.Identity
/// credential, for the service's scope: `https://iothubs.azure.net/.default` (the service SDK's CommonConstants.cs;
/// learn.microsoft.com/azure/iot-hub/authenticate-authorize-azure-ad) and `https://azure-devices-provisioning.net/.default`
/// for DPS (azure-iot-cli-extension azext_iot/constants.py), their China-cloud forms for hosts there. Azure.Identity
/// caches a token and asks for a new one before it expires.
/// </summary>
public sealed class EntraTokenSource(TokenCredential credential, string scope) : IHubCredential
{
    /// <summary>The scope of the service at <paramref name="host"/>: IoT Hub's or DPS's, in the public or the China cloud.</summary>
    public static string ScopeFor(string host)
    {
        var h = host.ToLowerInvariant();
        return h.EndsWith(".azure-devices-provisioning.cn", StringComparison.Ordinal) ? "https://azure-devices-provisioning.cn/.default"
            : h.EndsWith(".azure-devices-provisioning.net", StringComparison.Ordinal) ? "https://azure-devices-provisioning.net/.default"
            : h.EndsWith(".azure-devices.cn", StringComparison.Ordinal) ? "https://iothubs.chinacloudapi.cn/.default"
            : "https://iothubs.azure.net/.default";
    }

    public async ValueTask<string> AuthorizationAsync(CancellationToken ct)
    {
        var token = await credential.GetTokenAsync(new TokenRequestContext([scope]), ct).ConfigureAwait(false);
        return "Bearer " + token.Token;
    }

    // Azure.Identity renews a token before it expires by itself; a 401 for a valid one is a missing role, which a new
    // token would not change.
    public void Refused()
    {
    }
}
