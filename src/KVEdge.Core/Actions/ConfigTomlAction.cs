using KVEdge.Core.Rendering.IotEdge;
using KVEdge.Core.Spec;

namespace KVEdge.Core.Actions;

/// <summary>`kvedge config-toml`: the /etc/aziot/config.toml a device gets, credentials redacted unless asked.</summary>
public static class ConfigTomlAction
{
    public static ConfigTomlResult Run(ConfigTomlOptions options)
    {
        var iot = options.Device.Spec.IotEdge ?? throw new ArgumentException("the device has no spec.iotEdge", nameof(options));
        if (ProvisioningModes.IsVerbatim(iot))
        {
            // Given verbatim, it is all credential as far as kvedge knows: printed only when asked.
            return options.ShowSecrets && iot.Credentials.ConfigToml is { } verbatim
                ? new ConfigTomlResult(verbatim.EndsWith('\n') ? verbatim : verbatim + "\n", null)
                : new ConfigTomlResult(null, "the device gets the config.toml given verbatim (credentials.configToml); --show-secrets prints it");
        }

        var text = ConfigTomlRenderer.Resolve(ConfigTomlRenderer.RenderTemplate(options.Device), DeviceCredentials.Values(iot), options.ShowSecrets);
        var note = iot.Credentials.ExistingSecret is { } secret ? $"note: @@KVEDGE:...@@ values are filled at boot from Secret {options.Namespace}/{secret}" : null;
        return new ConfigTomlResult(text, note);
    }
}
