namespace KVEdge.Core.Spec;

/// <summary>spec.iotEdge.provisioning.source, as aziot's config.toml names it ([provisioning] source).</summary>
public static class ProvisioningSources
{
    public const string Manual = "manual";
    public const string Dps = "dps";
}
