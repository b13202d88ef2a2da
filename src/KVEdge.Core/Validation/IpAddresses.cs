using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace KVEdge.Core.Validation;

/// <summary>
/// IP addresses in the one form every reader agrees on. .NET's IPAddress.TryParse (like inet_aton) also takes
/// "127.1", "0x7f.0.0.1" and "010.001.001.001" (octal 8.1.1.1 to some, decimal 10.1.1.1 to others), which dockerd's
/// net.ParseIP refuses and Kubernetes' validation (k8s.io/apimachinery validation/ip.go, strict since 1.33) calls
/// invalid: an IPv4 address is written as a dotted quad of decimal octets without leading zeros; IPv6 as IPv6 text.
/// </summary>
public static partial class IpAddresses
{
    private const string Octet = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";

    /// <summary>A canonical dotted quad, or IPv6 text (checked further by <see cref="IsCanonical"/>).</summary>
    public const string AddressPattern = "^(" + Octet + "(\\." + Octet + "){3}|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)\\z";

    /// <summary>A CIDR of either family, its address in the form above.</summary>
    public const string CidrPattern = "^(" + Octet + "(\\." + Octet + "){3}/([0-9]|[12][0-9]|3[0-2])|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*/[0-9]{1,3})\\z";

    [GeneratedRegex(AddressPattern)]
    private static partial Regex AddressRegex();

    [GeneratedRegex(CidrPattern)]
    private static partial Regex CidrRegex();

    public static bool IsCanonical(string text) =>
        AddressRegex().IsMatch(text) && IPAddress.TryParse(text, out var ip)
        && (ip.AddressFamily == AddressFamily.InterNetworkV6 ? text.Contains(':', StringComparison.Ordinal) : ip.ToString() == text);

    public static bool IsCanonicalCidr(string text) => CidrRegex().IsMatch(text) && IPNetwork.TryParse(text, out _);

    /// <summary>Text an IP parser would take as an address (digits and dots, or a colon), so a host-name rule does not apply to it.</summary>
    public static bool LooksLikeAddress(string text) =>
        text.Contains(':', StringComparison.Ordinal) || (text.Length > 0 && text.All(c => char.IsAsciiDigit(c) || c == '.' || c == 'x' || c == 'X'));

    public const string Explanation = "must be an IPv4 address as a dotted quad of decimal octets without leading zeros (10.0.0.10), or an IPv6 address";
}
