using System.Text.RegularExpressions;

namespace KVEdge.Core.Actions;

/// <summary>
/// A --since value as `iotedge logs` and `iotedge support-bundle` take it: a duration ("15m", "2h", "1d") or a date
/// ("2026-12-01", "2026-12-01 10:00:00"). Checked before anything runs in the guest.
/// </summary>
public static partial class SinceValue
{
    public static bool IsRelative(string value) => Relative().IsMatch(value);

    public static bool IsValid(string value) => Relative().IsMatch(value) || Date().IsMatch(value);

    [GeneratedRegex("^[0-9]{1,6}[smhdw]\\z")]
    private static partial Regex Relative();

    [GeneratedRegex("^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2})?)?\\z")]
    private static partial Regex Date();
}
