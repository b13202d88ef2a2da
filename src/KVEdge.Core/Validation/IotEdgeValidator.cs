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
    public const string UpstreamVersionPattern = @"^[0-9]+\.[0-9]+\.[0-9]+$";

    [GeneratedRegex(UpstreamVersionPattern)]
    private static partial Regex UpstreamVersionRegex();

    /// <summary>The pattern, shared with the chart's values.schema.json.</summary>
    public const string PackageVersionPattern = @"^[0-9][A-Za-z0-9.+~]*(-[A-Za-z0-9.+~]+)?$";

    [GeneratedRegex(PackageVersionPattern)]
    private static partial Regex PackageVersionRegex();

    /// <summary>The pattern, shared with the chart's values.schema.json.</summary>
    public const string SuitePattern = "^[a-z0-9][a-z0-9._-]*$";

    [GeneratedRegex(SuitePattern)]
    private static partial Regex SuiteRegex();

    /// <summary>The pattern, shared with the chart's values.schema.json.</summary>
    public const string LogSizePattern = @"^[0-9]+[kmg]$";

    [GeneratedRegex(LogSizePattern)]
    private static partial Regex LogSizeRegex();

    /// <summary>The pattern, shared with the chart's values.schema.json.</summary>
    public const string ProxyPattern = @"^http://([^@/\s""'\\]+@)?[A-Za-z0-9.-]+:[0-9]{1,5}/?$";

    [GeneratedRegex(ProxyPattern)]
    private static partial Regex ProxyRegex();

    /// <summary>The pattern, shared with the chart's values.schema.json.</summary>
    public const string Rfc1035LabelPattern = "^[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$";

    [GeneratedRegex(Rfc1035LabelPattern)]
    private static partial Regex Rfc1035LabelRegex();

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
        if (methodKnown)
        {
            CheckCredentials(c, iot, clock);
        }
    }
}
