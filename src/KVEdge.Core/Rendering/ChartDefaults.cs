using KVEdge.Core.Files;
using System.Text.Json.Nodes;
using KVEdge.Core.Spec;

namespace KVEdge.Core.Rendering;

/// <summary>
/// What the Helm chart and the C# renderer share, written once: the chart reads files/defaults.yaml (generated from
/// this; a test fails when the file differs) instead of typing the same tables in its templates.
/// </summary>
public static class ChartDefaults
{
    /// <summary>The file's path inside the chart.</summary>
    public const string ChartPath = "files/defaults.yaml";

    public static string Render()
    {
        var variants = new JsonObject();
        for (var i = 0; i < DeviceIdentity.VariantDigits.Length; i++)
        {
            variants[i.ToString("x", System.Globalization.CultureInfo.InvariantCulture)] = DeviceIdentity.VariantDigits[i].ToString();
        }

        var credentialKeys = new JsonObject();
        foreach (var key in CredentialKey.All)
        {
            credentialKeys[key.Field] = key.SecretKey;
        }

        var identity = new JsonObject();
        foreach (var (edge, service) in ProvisioningModes.IdentityServiceFor.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            identity[edge] = service;
        }

        var root = new JsonObject
        {
            ["agentImageRepository"] = ProvisioningModes.AgentImageRepository,
            ["credentialKeys"] = credentialKeys,
            ["identity"] = new JsonObject
            {
                ["macSeed"] = DeviceIdentity.MacSeed,
                ["uuidSeed"] = DeviceIdentity.UuidSeed,
                ["uuidVariantDigit"] = variants,
            },
            ["identityServiceFor"] = identity,
            ["iotEdge"] = SpecDefaults.Of(typeof(IotEdgeSpec)),
        };
        return "# Generated from kvedge's C# (src/KVEdge.Core/Rendering/ChartDefaults.cs); do not edit. The chart reads it so\n"
            + "# that it renders with the same defaults and tables as `kvedge template`; a test fails when it differs.\n"
            + YamlWriter.Write(root);
    }
}
