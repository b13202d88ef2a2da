using System.Text.RegularExpressions;

namespace KVEdge.Core.Validation;

/// <summary>The name and label rules of k8s.io/apimachinery/pkg/util/validation, with its wording.</summary>
public static partial class KubernetesNames
{
    /// <summary>The pattern, shared with the chart's values.schema.json.</summary>
    public const string Dns1123LabelPattern = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?\\z";

    [GeneratedRegex(Dns1123LabelPattern)]
    private static partial Regex Dns1123LabelRegex();

    /// <summary>The pattern, shared with the chart's values.schema.json.</summary>
    public const string Dns1035LabelPattern = "^[a-z]([-a-z0-9]*[a-z0-9])?\\z";

    [GeneratedRegex(Dns1035LabelPattern)]
    private static partial Regex Dns1035LabelRegex();

    /// <summary>The pattern, shared with the chart's values.schema.json.</summary>
    public const string Dns1123SubdomainPattern = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\\z";

    [GeneratedRegex(Dns1123SubdomainPattern)]
    private static partial Regex Dns1123SubdomainRegex();

    /// <summary>The pattern, shared with the chart's values.schema.json.</summary>
    public const string QualifiedNamePattern = "^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\\z";

    [GeneratedRegex(QualifiedNamePattern)]
    private static partial Regex QualifiedNameRegex();

    /// <summary>The pattern, shared with the chart's values.schema.json.</summary>
    public const string PortNamePattern = "^[a-z0-9]([a-z0-9-]*[a-z0-9])?\\z";

    [GeneratedRegex(PortNamePattern)]
    private static partial Regex PortNameRegex();

    /// <summary>A key of a Secret's or ConfigMap's data (IsConfigMapKey); the pattern, shared with the chart's values.schema.json.</summary>
    public const string ConfigMapKeyPattern = "^[-._a-zA-Z0-9]+\\z";

    [GeneratedRegex(ConfigMapKeyPattern)]
    private static partial Regex ConfigMapKeyRegex();

    public static string? CheckConfigMapKey(string value) =>
        value.Length > 253 ? "must be no more than 253 characters"
        : value is "." or ".." ? "must not be '.' or '..'"
        : ConfigMapKeyRegex().IsMatch(value) ? null
        : "must be a valid Secret key: letters, digits, '-', '_' and '.'";

    /// <summary>Returns null when valid, else the reason.</summary>
    public static string? CheckDns1123Label(string value) =>
        value.Length > 63 ? "must be no more than 63 characters"
        : Dns1123LabelRegex().IsMatch(value) ? null
        : "must be an RFC 1123 label: lower case letters, digits and '-', starting and ending with a letter or digit";

    public static string? CheckDns1035Label(string value) =>
        value.Length > 63 ? "must be no more than 63 characters"
        : Dns1035LabelRegex().IsMatch(value) ? null
        : "must be an RFC 1035 label: lower case letters, digits and '-', starting with a letter and ending with a letter or digit";

    public static string? CheckDns1123Subdomain(string value) =>
        value.Length > 253 ? "must be no more than 253 characters"
        : Dns1123SubdomainRegex().IsMatch(value) ? null
        : "must be an RFC 1123 subdomain: lower case letters, digits, '-' and '.', starting and ending with a letter or digit";

    /// <summary>A label or annotation key: an optional DNS-subdomain prefix and '/', then a qualified name.</summary>
    public static string? CheckQualifiedKey(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        var name = slash >= 0 ? key[(slash + 1)..] : key;
        if (slash >= 0)
        {
            var prefix = key[..slash];
            if (prefix.Length == 0 || CheckDns1123Subdomain(prefix) is not null)
            {
                return "the prefix before '/' must be a DNS subdomain";
            }
        }

        if (name.Length == 0 || name.Length > 63)
        {
            return "the name part must be 1 to 63 characters";
        }

        return QualifiedNameRegex().IsMatch(name) ? null
            : "the name part must be alphanumeric, '-', '_' or '.', starting and ending with an alphanumeric character";
    }

    public static string? CheckLabelValue(string value) =>
        value.Length == 0 ? null
        : value.Length > 63 ? "must be no more than 63 characters"
        : QualifiedNameRegex().IsMatch(value) ? null
        : "must be empty or alphanumeric, '-', '_' or '.', starting and ending with an alphanumeric character";

    /// <summary>IANA_SVC_NAME, which Service port names must be.</summary>
    public static string? CheckPortName(string value) =>
        value.Length > 15 ? "must be no more than 15 characters"
        : !PortNameRegex().IsMatch(value) || value.Contains("--", StringComparison.Ordinal) ? "must be lower case letters, digits and single '-'"
        : !value.Any(char.IsAsciiLetter) ? "must contain at least one letter"
        : null;
}
