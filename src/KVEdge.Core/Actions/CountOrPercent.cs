using System.Globalization;
using System.Text.RegularExpressions;

namespace KVEdge.Core.Actions;

/// <summary>
/// A count of devices or a percentage of a group (Kubernetes' IntOrString for maxUnavailable: "3" or "10%"), resolved
/// against the group's size when a rollout is planned.
/// </summary>
public readonly partial record struct CountOrPercent(int Value, bool IsPercent)
{
    public static CountOrPercent Count(int n) => new(n, false);

    public static CountOrPercent Percent(int p) => new(p, true);

    /// <summary>"3" or "10%" (0 to 100); anything else is refused with the rule.</summary>
    public static bool TryParse(string? text, out CountOrPercent value, out string? error)
    {
        value = default;
        error = null;
        var match = text is null ? null : Shape().Match(text);
        if (match is null || !match.Success || !int.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            error = "must be a whole number of devices (3) or a percentage of them (10%)";
            return false;
        }

        var percent = match.Groups[2].Success;
        if (percent && n > 100)
        {
            error = "a percentage is at most 100%";
            return false;
        }

        value = new CountOrPercent(n, percent);
        return true;
    }

    /// <summary>
    /// The count for a group of <paramref name="total"/> devices: a percentage rounded down (as a Deployment's
    /// maxUnavailable) or up, then at least <paramref name="atLeast"/>.
    /// </summary>
    public int Resolve(int total, bool roundUp, int atLeast = 0)
    {
        var n = !IsPercent ? Value
            : roundUp ? (int)Math.Ceiling(total * Value / 100.0)
            : total * Value / 100;
        return Math.Max(atLeast, n);
    }

    public override string ToString() => IsPercent ? $"{Value.ToString(CultureInfo.InvariantCulture)}%" : Value.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"\A([0-9]{1,6})(%)?\z")]
    private static partial Regex Shape();
}
