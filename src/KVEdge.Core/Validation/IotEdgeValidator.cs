using KVEdge.Core.Diagnostics;
using System.Text.RegularExpressions;
using KVEdge.Core.Spec;

namespace KVEdge.Core.Validation;

/// <summary>
/// spec.iotEdge: each provisioning mode's required fields, the combinations aziot refuses, and the credentials
/// themselves when they are known at render time. No message ever carries a credential's value.
/// </summary>
public static partial class IotEdgeValidator
{
    private static readonly FieldPath P = FieldPath.Root("spec").Child("iotEdge");

    /// <summary>The pattern, shared with the chart's values.schema.json.</summary>
    public const string UpstreamVersionPattern = @"^[0-9]+\.[0-9]+\.[0-9]+\z";

    [GeneratedRegex(UpstreamVersionPattern)]
    private static partial Regex UpstreamVersionRegex();

    /// <summary>The pattern, shared with the chart's values.schema.json.</summary>
    public const string PackageVersionPattern = @"^[0-9][A-Za-z0-9.+~]*(-[A-Za-z0-9.+~]+)?\z";

    [GeneratedRegex(PackageVersionPattern)]
    private static partial Regex PackageVersionRegex();

    /// <summary>The pattern, shared with the chart's values.schema.json.</summary>
    public const string SuitePattern = "^[a-z0-9][a-z0-9._-]*\\z";

    [GeneratedRegex(SuitePattern)]
    private static partial Regex SuiteRegex();

    /// <summary>The pattern, shared with the chart's values.schema.json.</summary>
    public const string LogSizePattern = @"^[0-9]+[kmg]\z";

    [GeneratedRegex(LogSizePattern)]
    private static partial Regex LogSizeRegex();

    /// <summary>The pattern, shared with the chart's values.schema.json.</summary>
    public const string ProxyPattern = @"^http://[A-Za-z0-9.-]+:[0-9]{1,5}/?\z";

    [GeneratedRegex(ProxyPattern)]
    private static partial Regex ProxyRegex();

    /// <summary>
    /// One entry of NO_PROXY as Go's net/http/httpproxy and curl read it: "*", a host or domain (a leading "." or
    /// "*." for its subdomains) with an optional port, an IPv4 address or CIDR, an IPv6 address or CIDR. It lands in
    /// systemd Environment= lines, so nothing else (no ',', space, quote, '%' or '\\') may pass.
    /// </summary>
    public const string NoProxyPattern =
        @"^(\*|(\*?\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*(:[0-9]{1,5})?|[0-9]{1,3}(\.[0-9]{1,3}){3}/[0-9]{1,2}|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(/[0-9]{1,3})?)\z";

    [GeneratedRegex(NoProxyPattern)]
    private static partial Regex NoProxyRegex();

    /// <summary>The pattern, shared with the chart's values.schema.json.</summary>
    public const string Rfc1035LabelPattern = "^[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\z";

    [GeneratedRegex(Rfc1035LabelPattern)]
    private static partial Regex Rfc1035LabelRegex();

    /// <summary>The pattern, shared with the chart's values.schema.json.</summary>
    public const string DpsServiceHostPattern = @"^[A-Za-z0-9][A-Za-z0-9-]{1,62}[A-Za-z0-9]\.azure-devices-provisioning\.(net|cn|us)\z";

    [GeneratedRegex(DpsServiceHostPattern)]
    private static partial Regex DpsServiceHostRegex();

    /// <summary>A shared access policy's name: it lands in the SAS token's skn (URL-encoded) and in messages.</summary>
    public const string PolicyNamePattern = @"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\z";

    [GeneratedRegex(PolicyNamePattern)]
    private static partial Regex PolicyNameRegex();

    public static void Validate(RuleContext c, TimeProvider clock)
    {
        if (c.Device.Spec.IotEdge is not { } iot)
        {
            c.Warning(FieldPath.Root("spec"), "no-iot-edge", "no spec.iotEdge: the VM gets no IoT Edge runtime");
            return;
        }

        CheckPackages(c, iot);
        var methodKnown = ProvisioningModes.IsVerbatim(iot) ? CheckVerbatim(c, iot) : CheckProvisioning(c, iot);
        CheckRuntime(c, iot);
        CheckRegistration(c, iot);
        if (methodKnown)
        {
            CheckCredentials(c, iot, clock);
        }
    }
}
