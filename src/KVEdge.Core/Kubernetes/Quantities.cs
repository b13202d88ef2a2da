using System.Text.RegularExpressions;
using k8s.Models;

namespace KVEdge.Core.Kubernetes;

public static partial class Quantities
{
    /// <summary>
    /// The API server's quantity grammar, as KubeVirt's and CDI's CRD schemas carry it (apimachinery
    /// resource/quantity.go; the `pattern` of every int-or-string quantity in ../shared/schemas): no spaces, suffixes
    /// Ki..Ei, n u m k M G T P E or an exponent (the schemas' pattern, verbatim). KubernetesClient's parser is more lenient ("4Gi " passes it), so this comes first.
    /// </summary>
    /// <summary>The pattern, shared with the chart's values.schema.json.</summary>
    public const string GrammarPattern = @"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?\z";

    [GeneratedRegex(GrammarPattern, RegexOptions.CultureInvariant)]
    private static partial Regex Grammar();

    /// <summary>Parses a Kubernetes quantity into bytes (or units); null when malformed.</summary>
    public static decimal? TryParse(string value)
    {
        if (!Grammar().IsMatch(value))
        {
            return null;
        }

        try
        {
            return new ResourceQuantity(value).ToDecimal();
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or OverflowException)
        {
            return null;
        }
    }

    public static string Format(decimal bytes) =>
        bytes >= 1L << 30 && bytes % (1L << 30) == 0 ? $"{bytes / (1L << 30)}Gi"
        : bytes >= 1L << 20 && bytes % (1L << 20) == 0 ? $"{bytes / (1L << 20)}Mi"
        : $"{bytes}";
}
