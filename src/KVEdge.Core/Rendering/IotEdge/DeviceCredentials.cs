using KVEdge.Core.Spec;

namespace KVEdge.Core.Rendering.IotEdge;

/// <summary>The credential values known at render time, keyed as in the credentials Secret; the group key never appears, only the key derived from it.</summary>
public static class DeviceCredentials
{
    public static SortedDictionary<string, string> Values(IotEdgeSpec iot)
    {
        var values = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in CredentialKey.All)
        {
            if (key.Value(iot.Credentials) is not { } raw)
            {
                continue;
            }

            var value = key.SecretKey.EndsWith(".pem", StringComparison.Ordinal) || key == CredentialKey.ConfigToml ? (raw.EndsWith('\n') ? raw : raw + "\n") : raw.Trim();
            if (key == CredentialKey.SymmetricKey && iot.Provisioning is { Source: ProvisioningSources.Dps, Enrollment: "group" })
            {
                value = DpsKeyDerivation.DeriveDeviceKey(value, iot.Provisioning.RegistrationId!);
            }

            values[key.SecretKey] = value;
        }

        return values;
    }
}
