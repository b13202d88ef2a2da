using KVEdge.Core.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using KVEdge.Core.Rendering.IotEdge;
using KVEdge.Core.Spec;
using KVEdge.Core.Validation.Credentials;

namespace KVEdge.Core.Validation;

/// <summary>
/// spec.iotEdge: each provisioning mode's required fields, the combinations aziot refuses, and the credentials
/// themselves when they are known at render time. No message ever carries a credential's value.
/// </summary>
public static partial class IotEdgeValidator
{
    private const string P = "spec.iotEdge";

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
    public const string EnvNamePattern = "^[A-Za-z_][A-Za-z0-9_]*$";

    [GeneratedRegex(EnvNamePattern)]
    private static partial Regex EnvNameRegex();

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

    /// <summary>Reads credentials named by environment variable into the spec (in memory only), reporting unset ones.</summary>
    public static void ResolveEnvironment(RuleContext c, Func<string, string?> environment)
    {
        if (c.Device.Spec.IotEdge is not { } iot)
        {
            return;
        }

        foreach (var key in CredentialKey.All)
        {
            if (key.Env(iot.Credentials) is not { } name)
            {
                continue;
            }

            if (!EnvNameRegex().IsMatch(name))
            {
                c.Error(key.EnvPath, "credential-env", $"{DisplayText.Value(name)} is not an environment variable name");
                continue;
            }

            if (key.Value(iot.Credentials) is not null)
            {
                c.Error(key.EnvPath, "credential-source", $"give {key.Field} once: either with --set-file or from ${name}, not both");
                continue;
            }

            var value = environment(name);
            if (string.IsNullOrEmpty(value))
            {
                c.Error(key.EnvPath, "credential-env", $"environment variable {name} is not set");
                continue;
            }

            key.SetValue(iot.Credentials, value);
        }
    }

    public static void Validate(RuleContext c, TimeProvider clock)
    {
        if (c.Device.Spec.IotEdge is not { } iot)
        {
            c.Warning("spec", "no-iot-edge", "no spec.iotEdge: the VM gets no IoT Edge runtime");
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

    private static void CheckPackages(RuleContext c, IotEdgeSpec iot)
    {
        if (!UpstreamVersionRegex().IsMatch(iot.Version))
        {
            c.Error($"{P}.version", "version", $"{DisplayText.Value(iot.Version)} must be an aziot-edge version such as {IotEdgeSpec.DefaultVersion}");
        }
        else if (iot.IdentityServiceVersion is null && !ProvisioningModes.IdentityServiceFor.ContainsKey(iot.Version))
        {
            c.Error($"{P}.identityServiceVersion", "unknown-version",
                $"kvedge does not know which aziot-identity-service aziot-edge {iot.Version} pins; set identityServiceVersion (known: {string.Join(", ", ProvisioningModes.IdentityServiceFor.Select(kv => $"{kv.Key} → {kv.Value}"))})");
        }

        if (iot.IdentityServiceVersion is { } ids && !PackageVersionRegex().IsMatch(ids))
        {
            c.Error($"{P}.identityServiceVersion", "version", $"{DisplayText.Value(ids)} is not a package version");
        }

        if (!PackageVersionRegex().IsMatch(iot.MobyEngineVersion))
        {
            c.Error($"{P}.mobyEngineVersion", "version", $"{DisplayText.Value(iot.MobyEngineVersion)} is not a package version");
        }

        var repo = iot.PackageRepository;
        if (repo.Url is { } url)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https" or "file") || url.Any(char.IsWhiteSpace))
            {
                c.Error($"{P}.packageRepository.url", "url", $"{DisplayText.Value(url)} must be an absolute http://, https:// or file:// URL");
            }

            if (repo.Suite is null)
            {
                c.Error($"{P}.packageRepository.suite", "required", "is required with url (the distribution, e.g. noble or bookworm)");
            }
        }
        else if (repo.Suite is not null)
        {
            c.Error($"{P}.packageRepository.suite", "repository", "only applies with url; without url the guest picks its own OS's suite");
        }

        if (repo.Suite is { } suite && !SuiteRegex().IsMatch(suite))
        {
            c.Error($"{P}.packageRepository.suite", "repository", $"{DisplayText.Value(suite)} is not a distribution name");
        }

        for (var i = 0; i < repo.Components.Count; i++)
        {
            if (!SuiteRegex().IsMatch(repo.Components[i]))
            {
                c.Error($"{P}.packageRepository.components[{i}]", "repository", $"{DisplayText.Value(repo.Components[i])} is not a component name");
            }
        }

        if (repo.SigningKey is { } key && !key.Contains("-----BEGIN PGP PUBLIC KEY BLOCK-----", StringComparison.Ordinal))
        {
            c.Error($"{P}.packageRepository.signingKey", "signing-key", "must be an ASCII-armored OpenPGP public key");
        }

        if (repo.Trusted && repo.SigningKey is not null)
        {
            c.Error($"{P}.packageRepository.trusted", "repository", "a trusted (unsigned) repository takes no signingKey");
        }

        if (repo.Trusted && repo.Url is null)
        {
            c.Error($"{P}.packageRepository.trusted", "repository", "only a repository you name (url) can be trusted unsigned");
        }
    }

    private static bool CheckVerbatim(RuleContext c, IotEdgeSpec iot)
    {
        if (iot.Provisioning.Source is not null || iot.Provisioning.Method is not null)
        {
            c.Error($"{P}.provisioning", "config-toml", "a verbatim configToml carries its own provisioning; remove spec.iotEdge.provisioning");
        }

        if (iot.Credentials.ConfigToml is { } text)
        {
            try
            {
                var table = Tomlyn.TomlSerializer.Deserialize<Tomlyn.Model.TomlTable>(text)!;
                if (!table.TryGetValue("provisioning", out var p) || p is not Tomlyn.Model.TomlTable prov || !prov.ContainsKey("source"))
                {
                    c.Error(CredentialKey.ConfigToml.Path, "config-toml", "configToml has no [provisioning] table with a source");
                }
            }
            catch (Tomlyn.TomlException)
            {
                // Tomlyn's message quotes the offending text, which may be a key: say where, not what.
                c.Error(CredentialKey.ConfigToml.Path, "config-toml", "configToml is not valid TOML");
            }
        }

        return true;
    }

    private static bool CheckProvisioning(RuleContext c, IotEdgeSpec iot)
    {
        var p = iot.Provisioning;
        const string pp = $"{P}.provisioning";
        if (p.Source is null)
        {
            c.Error($"{pp}.source", "required", "is required: manual or dps");
            return false;
        }

        if (!c.OneOf($"{pp}.source", p.Source, ProvisioningModes.Sources))
        {
            return false;
        }

        var methods = p.Source == "dps" ? ProvisioningModes.DpsMethods : ProvisioningModes.ManualMethods;
        if (p.Method is null)
        {
            c.Error($"{pp}.method", "required", $"is required: {string.Join(", ", methods)}");
            return false;
        }

        if (!methods.Contains(p.Method, StringComparer.Ordinal))
        {
            var other = p.Source == "dps" ? "manual" : "dps";
            c.Error($"{pp}.method", "enum", $"{DisplayText.Value(p.Method)} is not a {p.Source} method; use one of {string.Join(", ", methods)}"
                + ((p.Source == "dps" ? ProvisioningModes.ManualMethods : ProvisioningModes.DpsMethods).Contains(p.Method, StringComparer.Ordinal) ? $" (or source {other})" : Diagnostics.Suggestions.DidYouMean(p.Method, methods)));
            return false;
        }

        if (p.Source == "manual")
        {
            foreach (var (field, value) in new[] { ("idScope", p.IdScope), ("registrationId", p.RegistrationId) })
            {
                if (value is not null)
                {
                    c.Error($"{pp}.{field}", "provisioning-field", "only applies to source dps");
                }
            }

            if (c.IsSet($"{pp}.globalEndpoint"))
            {
                c.Error($"{pp}.globalEndpoint", "provisioning-field", "only applies to source dps");
            }

            if (p.Method == "connectionString")
            {
                foreach (var (field, value) in new[] { ("iothubHostname", p.IothubHostname), ("deviceId", p.DeviceId) })
                {
                    if (value is not null)
                    {
                        c.Error($"{pp}.{field}", "provisioning-field", "comes from the connection string; remove it");
                    }
                }
            }
            else
            {
                c.Required($"{pp}.iothubHostname", p.IothubHostname);
                c.Name($"{pp}.iothubHostname", p.IothubHostname, IotIdentifiers.CheckHubHostname, "iothub-hostname");
                c.Required($"{pp}.deviceId", p.DeviceId);
                c.Name($"{pp}.deviceId", p.DeviceId, IotIdentifiers.CheckDeviceId, "device-id");
            }
        }
        else
        {
            foreach (var (field, value) in new[] { ("iothubHostname", p.IothubHostname), ("deviceId", p.DeviceId) })
            {
                if (value is not null)
                {
                    c.Error($"{pp}.{field}", "provisioning-field", "only applies to source manual (DPS assigns the hub and the id)");
                }
            }

            c.Required($"{pp}.idScope", p.IdScope);
            c.Name($"{pp}.idScope", p.IdScope, IotIdentifiers.CheckIdScope, "id-scope");
            if (!Uri.TryCreate(p.GlobalEndpoint, UriKind.Absolute, out var endpoint) || endpoint.Scheme != "https" || endpoint.AbsolutePath != "/" || endpoint.Query.Length > 0)
            {
                c.Error($"{pp}.globalEndpoint", "url", $"{DisplayText.Value(p.GlobalEndpoint)} must be an https:// host such as https://global.azure-devices-provisioning.net");
            }

            if (p.Method is "symmetricKey" or "tpm")
            {
                c.Required($"{pp}.registrationId", p.RegistrationId);
            }

            c.Name($"{pp}.registrationId", p.RegistrationId, IotIdentifiers.CheckRegistrationId, "registration-id");
            if (p.IdScope is { } scope && IotIdentifiers.CheckIdScope(scope) is null && endpoint?.Host is { } host)
            {
                var china = host.EndsWith(".cn", StringComparison.Ordinal);
                if (china != scope.StartsWith("0cn", StringComparison.Ordinal))
                {
                    c.Warning($"{pp}.idScope", "id-scope", $"ID scope {DisplayText.Value(scope)} and endpoint {host} look like different clouds");
                }
            }
        }

        if (c.OneOf($"{pp}.enrollment", p.Enrollment, "individual", "group") && p.Enrollment == "group" && !(p.Source == "dps" && p.Method == "symmetricKey"))
        {
            c.Error($"{pp}.enrollment", "enrollment", "group enrollment applies only to dps symmetricKey (X.509 groups use the certificate chain)");
        }

        if (iot.ParentHostname is not null && p.Source == "dps")
        {
            c.Error($"{P}.parentHostname", "nested-dps", "DPS provisioning is not supported in nested mode (aziot refuses it); use manual provisioning for a child device");
        }

        return true;
    }

    private static void CheckRuntime(RuleContext c, IotEdgeSpec iot)
    {
        var vmHostname = c.Device.VmHostname;
        if (iot.Hostname is { } fqdn)
        {
            if (CheckHostname(fqdn) is { } reason)
            {
                c.Error($"{P}.hostname", "hostname", $"{DisplayText.Value(fqdn)} {reason}");
            }
            else if (!string.Equals(fqdn.Split('.')[0], vmHostname, StringComparison.OrdinalIgnoreCase))
            {
                c.Error($"{P}.hostname", "hostname", $"{DisplayText.Value(fqdn)} must be the VM's hostname {DisplayText.Value(vmHostname)} or an FQDN starting with it (`iotedge check` fails otherwise)");
            }
        }

        if (iot.ParentHostname is { } parent && !IPAddress.TryParse(parent, out _) && CheckHostname(parent) is { } parentReason)
        {
            c.Error($"{P}.parentHostname", "hostname", $"{DisplayText.Value(parent)} {parentReason}");
        }

        c.OneOf($"{P}.autoReprovisioningMode", iot.AutoReprovisioningMode, "Dynamic", "AlwaysOnStartup", "OnErrorOnly");
        if (iot.TrustBundle is { } bundle && PemCredentials.TryReadCertificate(bundle, out var bundleError) is null)
        {
            c.Error($"{P}.trustBundle", "certificate", $"the trust bundle {bundleError}");
        }

        if (iot.EdgeCaAutoGeneratedExpiryDays is { } days)
        {
            c.Range($"{P}.edgeCaAutoGeneratedExpiryDays", days, 1, 3650);
            if (ConfigTomlRenderer.HasEdgeCaCertificate(iot.Credentials))
            {
                c.Error($"{P}.edgeCaAutoGeneratedExpiryDays", "edge-ca", "only applies to the quickstart Edge CA; an Edge CA certificate is given");
            }
        }

        var image = ProvisioningModes.AgentImage(iot);
        if (image.StartsWith("$upstream", StringComparison.Ordinal))
        {
            if (iot.ParentHostname is null)
            {
                c.Error($"{P}.agent.image", "image-reference", "$upstream needs parentHostname (it is replaced by the parent's address)");
            }
        }
        else if (iot.Agent.Image is not null)
        {
            c.Name($"{P}.agent.image", image, DeviceValidator.CheckImageReference, "image-reference");
        }

        c.OneOf($"{P}.agent.imagePullPolicy", iot.Agent.ImagePullPolicy, "on-create", "never");
        if (iot.Proxy?.HttpsProxy is { } proxy)
        {
            if (!ProxyRegex().IsMatch(proxy))
            {
                c.Error($"{P}.proxy.httpsProxy", "proxy", $"must be http://[user:password@]host:port (IoT Edge talks plain HTTP to the proxy)");
            }
        }

        if (iot.Proxy is { } p)
        {
            for (var i = 0; i < p.NoProxy.Count; i++)
            {
                if (p.NoProxy[i].Length == 0 || p.NoProxy[i].Any(ch => ch is ',' or ' ' or '"' or '\'' or '\\'))
                {
                    c.Error($"{P}.proxy.noProxy[{i}]", "proxy", "must be one host, domain or CIDR");
                }
            }
        }

        for (var i = 0; i < iot.DnsServers.Count; i++)
        {
            if (!IPAddress.TryParse(iot.DnsServers[i], out _))
            {
                c.Error($"{P}.dnsServers[{i}]", "ip-address", $"{DisplayText.Value(iot.DnsServers[i])} is not an IP address");
            }
        }

        // `iotedge check` accepts journald alone, or a driver with max-size and max-file.
        c.OneOf($"{P}.containerLogs.driver", iot.ContainerLogs.Driver, "local", "json-file", "journald");
        if (!LogSizeRegex().IsMatch(iot.ContainerLogs.MaxSize))
        {
            c.Error($"{P}.containerLogs.maxSize", "log-size", $"{DisplayText.Value(iot.ContainerLogs.MaxSize)} must be a size such as 10m");
        }

        c.Range($"{P}.containerLogs.maxFile", iot.ContainerLogs.MaxFile, 1, 100);
    }

    private static string? CheckHostname(string name)
    {
        if (name.Length > 64)
        {
            return "is longer than 64 characters (too long for a certificate issuer)";
        }

        return name.Split('.').All(l => Rfc1035LabelRegex().IsMatch(l)) ? null
            : "must be an RFC 1035 host name: dot-separated labels of letters, digits and '-', each starting with a letter";
    }

    private static void CheckCredentials(RuleContext c, IotEdgeSpec iot, TimeProvider clock)
    {
        var creds = iot.Credentials;
        var needed = ProvisioningModes.RequiredCredentials(iot).ToList();
        var edgeCa = new[] { CredentialKey.EdgeCaCert, CredentialKey.EdgeCaKey };
        bool Given(CredentialKey k) => k.Value(creds) is not null || k.Env(creds) is not null;

        if (creds.ExistingSecret is { } existing)
        {
            c.Name($"{P}.credentials.existingSecret", existing, KubernetesNames.CheckDns1123Subdomain, "rfc1123-subdomain");
            foreach (var key in CredentialKey.All.Where(Given))
            {
                c.Error(key.Env(creds) is not null ? key.EnvPath : key.Path, "credential-source", $"existingSecret supplies {key.SecretKey}; do not give {key.Field} as well");
            }

            if (iot.Provisioning is { Source: "dps", Enrollment: "group" })
            {
                c.Warning($"{P}.credentials.existingSecret", "group-key",
                    "the Secret's symmetric-key must hold the device key derived for this registration id (kvedge dps derive-key), never the group key");
            }

            return;
        }

        if (creds.ExistingSecretHasEdgeCa)
        {
            c.Error($"{P}.credentials.existingSecretHasEdgeCa", "credential-source", "only applies with existingSecret");
        }

        foreach (var key in needed.Where(k => !Given(k)))
        {
            c.Error(key.Path, "credential-missing",
                $"{Mode(iot)} needs {key.Field}: give it with --set-file {key.Path}=FILE, name an environment variable in {key.Field}Env, or set existingSecret");
        }

        foreach (var key in CredentialKey.All.Except(needed).Except(edgeCa).Where(Given))
        {
            c.Error(key.Env(creds) is not null ? key.EnvPath : key.Path, "credential-unused", $"{Mode(iot)} does not use {key.Field}");
        }

        if (Given(CredentialKey.EdgeCaCert) != Given(CredentialKey.EdgeCaKey))
        {
            var missing = Given(CredentialKey.EdgeCaCert) ? CredentialKey.EdgeCaKey : CredentialKey.EdgeCaCert;
            c.Error(missing.Path, "credential-missing", "the Edge CA needs both edgeCaCert and edgeCaKey");
        }

        CheckValues(c, iot, clock);
    }

    private static string Mode(IotEdgeSpec iot) =>
        ProvisioningModes.IsVerbatim(iot) ? "a verbatim configToml" : $"{iot.Provisioning.Source} {iot.Provisioning.Method}";

    private static void CheckValues(RuleContext c, IotEdgeSpec iot, TimeProvider clock)
    {
        var creds = iot.Credentials;
        var p = iot.Provisioning;
        if (creds.ConnectionString is { } cs && ConnectionString.TryParse(cs, out var csErrors) is null)
        {
            foreach (var e in csErrors)
            {
                c.Error(CredentialKey.ConnectionString.Path, "connection-string", $"the connection string {e}");
            }
        }

        if (creds.SymmetricKey is { } key && IotIdentifiers.CheckSymmetricKey(key.Trim(), out _) is { } keyReason)
        {
            var what = p is { Source: "dps", Enrollment: "group" } ? "group key" : "symmetric key";
            c.Error(CredentialKey.SymmetricKey.Path, "symmetric-key", $"the {what} {keyReason}");
        }

        CheckPair(c, CredentialKey.IdentityCert, CredentialKey.IdentityKey, creds.IdentityCert, creds.IdentityKey, clock, out var identity);
        CheckPair(c, CredentialKey.EdgeCaCert, CredentialKey.EdgeCaKey, creds.EdgeCaCert, creds.EdgeCaKey, clock, out _);
        if (identity is not null && p.Method == "x509")
        {
            var expected = p.Source == "dps" ? p.RegistrationId : p.DeviceId;
            if (expected is not null && !string.Equals(identity.CommonName, expected, StringComparison.Ordinal))
            {
                var field = p.Source == "dps" ? "registrationId" : "deviceId";
                c.Error($"{P}.provisioning.{field}", "certificate-cn", $"must equal the identity certificate's common name {DisplayText.Value(identity.CommonName)}");
            }
        }
    }

    private static void CheckPair(RuleContext c, CredentialKey certKey, CredentialKey keyKey, string? certPem, string? keyPem, TimeProvider clock, out PemCredentials.CertificateInfo? info)
    {
        info = null;
        if (certPem is not null)
        {
            info = PemCredentials.TryReadCertificate(certPem, out var error);
            if (info is null)
            {
                c.Error(certKey.Path, "certificate", $"{certKey.Field} {error}");
            }
            else
            {
                var now = clock.GetUtcNow();
                if (info.NotAfter < now)
                {
                    c.Warning(certKey.Path, "certificate-expired", $"{certKey.Field} expired on {info.NotAfter:yyyy-MM-dd}; the device will not authenticate");
                }
                else if (info.NotBefore > now)
                {
                    c.Warning(certKey.Path, "certificate-not-yet-valid", $"{certKey.Field} is not valid before {info.NotBefore:yyyy-MM-dd}");
                }
            }
        }

        if (keyPem is null)
        {
            return;
        }

        var publicKey = PemCredentials.TryReadPrivateKey(keyPem, out var keyError);
        if (publicKey is null)
        {
            c.Error(keyKey.Path, "private-key", $"{keyKey.Field} {keyError}");
        }
        else if (info is not null && !publicKey.AsSpan().SequenceEqual(info.PublicKeyInfo))
        {
            c.Error(keyKey.Path, "key-mismatch", $"{keyKey.Field} does not belong to {certKey.Field} (their public keys differ)");
        }
    }
}
