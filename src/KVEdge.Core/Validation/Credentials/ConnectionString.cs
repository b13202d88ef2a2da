using KVEdge.Core.Diagnostics;
namespace KVEdge.Core.Validation.Credentials;

/// <summary>
/// An IoT Hub device connection string, parsed as aziot-identity-service parses it (split on ';', each part on its
/// first '=', keys case-sensitive) and then held to what will actually authenticate an edge device.
/// </summary>
public sealed record ConnectionString(string HostName, string DeviceId, string SharedAccessKey)
{
    /// <summary>The parsed string, or null with every problem found; messages never include the key.</summary>
    public static ConnectionString? TryParse(string text, out IReadOnlyList<string> errors)
    {
        var problems = new List<string>();
        errors = problems;

        // A file or variable usually ends with a newline; anything else inside the string is an error.
        text = text.Trim();
        if (text.Any(c => char.IsControl(c) || c is '"' or '\\'))
        {
            problems.Add("must be one line without quotes or backslashes");
            return null;
        }

        var parts = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in text.Trim().Split(';'))
        {
            if (part.Length == 0)
            {
                continue;
            }

            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                problems.Add("every part must be Key=Value, separated by ';'");
                return null;
            }

            var key = part[..eq];
            if (key != key.Trim())
            {
                problems.Add($"part {DisplayText.Value(key.Trim())} has spaces around its name");
                continue;
            }

            if (!parts.TryAdd(key, part[(eq + 1)..]))
            {
                problems.Add($"{key} is given twice");
            }
        }

        if (parts.ContainsKey("SharedAccessKeyName"))
        {
            problems.Add("this is an IoT Hub policy connection string (SharedAccessKeyName); use the edge device's own connection string");
        }

        if (parts.ContainsKey("ModuleId"))
        {
            problems.Add("this is a module connection string (ModuleId); use the edge device's connection string");
        }

        if (parts.TryGetValue("x509", out var x509) && x509.Equals("true", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add("this is an X.509 device connection string; use method x509 with identityCert and identityKey");
        }

        if (parts.ContainsKey("GatewayHostName"))
        {
            problems.Add("GatewayHostName is for leaf devices; an edge device's parent goes in spec.iotEdge.parentHostname");
        }

        foreach (var key in parts.Keys.Where(k => !string.Equals(k, "HostName", StringComparison.Ordinal) && !string.Equals(k, "DeviceId", StringComparison.Ordinal)
                     && !string.Equals(k, "SharedAccessKey", StringComparison.Ordinal) && k is not ("SharedAccessKeyName" or "ModuleId" or "x509" or "GatewayHostName")))
        {
            var known = new[] { "HostName", "DeviceId", "SharedAccessKey" };
            problems.Add($"unknown part {DisplayText.Value(key)}{Diagnostics.Suggestions.DidYouMean(key, known)} (the runtime matches names case-sensitively)");
        }

        var hostName = Required(parts, "HostName", problems);
        var deviceId = Required(parts, "DeviceId", problems);
        var key_ = Required(parts, "SharedAccessKey", problems);
        if (hostName is not null && IotIdentifiers.CheckHubHostname(hostName) is { } hostReason)
        {
            problems.Add($"HostName {DisplayText.Value(hostName)} {hostReason}");
        }

        if (deviceId is not null && IotIdentifiers.CheckDeviceId(deviceId) is { } idReason)
        {
            problems.Add($"DeviceId {idReason}");
        }

        if (key_ is not null && IotIdentifiers.CheckSymmetricKey(key_, out _) is { } keyReason)
        {
            problems.Add($"SharedAccessKey {keyReason}");
        }

        return problems.Count == 0 ? new ConnectionString(hostName!, deviceId!, key_!) : null;
    }

    private static string? Required(Dictionary<string, string> parts, string name, List<string> problems)
    {
        if (parts.TryGetValue(name, out var value) && value.Length > 0)
        {
            return value;
        }

        problems.Add($"required part {name} is missing");
        return null;
    }
}
