using System.Text.RegularExpressions;

namespace KVEdge.Core.Validation.Credentials;

/// <summary>
/// IoT Hub and DPS identifier rules. The runtime validates almost none of these (it interpolates ids into URLs and
/// ignores unknown keys), so a typo otherwise shows up as a 401 or a timeout on the device.
/// </summary>
public static partial class IotIdentifiers
{
    /// <summary>The pattern, shared with the chart's values.schema.json.</summary>
    public const string HubHostnamePattern = @"^[A-Za-z0-9][A-Za-z0-9-]{1,48}[A-Za-z0-9]\.azure-devices\.(net|cn|us)\z";

    [GeneratedRegex(HubHostnamePattern)]
    private static partial Regex HubHostnameRegex();

    /// <summary>The pattern, shared with the chart's values.schema.json.</summary>
    public const string DeviceIdPattern = @"^[A-Za-z0-9\-.%_*?!(),:=@$']{1,128}\z";

    [GeneratedRegex(DeviceIdPattern)]
    private static partial Regex DeviceIdRegex();

    /// <summary>The pattern, shared with the chart's values.schema.json.</summary>
    public const string IdScopePattern = "^0[a-z]{2}[0-9A-Fa-f]{8}\\z";

    [GeneratedRegex(IdScopePattern)]
    private static partial Regex IdScopeRegex();

    /// <summary>The pattern, shared with the chart's values.schema.json.</summary>
    public const string RegistrationIdPattern = "^([a-z0-9]|[a-z0-9][a-z0-9._:-]{0,126}[a-z0-9-])\\z";

    [GeneratedRegex(RegistrationIdPattern)]
    private static partial Regex RegistrationIdRegex();

    public static string? CheckHubHostname(string value) =>
        HubHostnameRegex().IsMatch(value) ? null
        : "must be an IoT Hub host name: NAME.azure-devices.net (or .cn, .us), NAME 3-50 letters, digits and '-'";

    public static string? CheckDeviceId(string value) =>
        value.Contains(';', StringComparison.Ordinal) ? "must not contain ';' (it breaks connection strings)"
        : value.Contains('+', StringComparison.Ordinal) || value.Contains('#', StringComparison.Ordinal) ? "must not contain '+' or '#' (IoT Hub rejects them)"
        : DeviceIdRegex().IsMatch(value) ? null
        : "must be 1-128 characters: letters, digits and - . % _ * ? ! ( ) , : = @ $ '";

    public static string? CheckIdScope(string value) =>
        IdScopeRegex().IsMatch(value) ? null : "must be a DPS ID scope: '0', two lower-case letters, 8 hex digits (e.g. 0ne00000A0A)";

    public static string? CheckRegistrationId(string value) =>
        RegistrationIdRegex().IsMatch(value) ? null
        : "must be 1-128 lower-case letters, digits, '-', '.', '_', ':' ending with a letter, digit or '-' (DPS ids are case-insensitive but keys are derived from the exact bytes)";

    /// <summary>A symmetric key: strict base64 (padding optional, as the runtime allows) of 16 to 64 bytes.</summary>
    public static string? CheckSymmetricKey(string value, out byte[]? bytes)
    {
        bytes = null;
        var padded = value.Length % 4 == 0 ? value : value + new string('=', 4 - (value.Length % 4));
        if (value.Length == 0 || value.Any(char.IsWhiteSpace) || value.Length % 4 == 1)
        {
            return "is not valid base64";
        }

        try
        {
            bytes = Convert.FromBase64String(padded);
        }
        catch (FormatException)
        {
            return "is not valid base64";
        }

        return bytes.Length is < 16 or > 64 ? $"decodes to {bytes.Length} bytes; IoT Hub and DPS keys are 16 to 64 bytes" : null;
    }
}
