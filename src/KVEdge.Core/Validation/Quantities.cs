using k8s.Models;

namespace KVEdge.Core.Validation;

public static class Quantities
{
    /// <summary>Parses a Kubernetes quantity into bytes (or units); null when malformed.</summary>
    public static decimal? TryParse(string value)
    {
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
