using KVEdge.Core.Diagnostics;
using KVEdge.Core.Spec;
using KVEdge.Core.Validation.Credentials;

namespace KVEdge.Core.Validation;

/// <summary>spec.iotEdge, provisioning: a verbatim config.toml, or each source and method with the fields it needs.</summary>
public static partial class IotEdgeValidator
{
    private static bool CheckVerbatim(RuleContext c, IotEdgeSpec iot)
    {
        if (iot.Provisioning.Source is not null || iot.Provisioning.Method is not null)
        {
            c.Error(P.Child("provisioning"), "config-toml", "a verbatim configToml carries its own provisioning; remove spec.iotEdge.provisioning");
        }

        if (iot.Credentials.ConfigToml is { } text)
        {
            try
            {
                var table = Tomlyn.TomlSerializer.Deserialize(text, KVEdge.Core.Files.TomlContext.Default.TomlTable)!;
                if (!table.TryGetValue("provisioning", out var p) || p is not Tomlyn.Model.TomlTable prov || !prov.ContainsKey("source"))
                {
                    c.Error(CredentialKey.ConfigToml.FieldPath, "config-toml", "configToml has no [provisioning] table with a source");
                }
            }
            catch (Tomlyn.TomlException)
            {
                // Tomlyn's message quotes the offending text, which may be a key: say where, not what.
                c.Error(CredentialKey.ConfigToml.FieldPath, "config-toml", "configToml is not valid TOML");
            }
        }

        return true;
    }

    private static bool CheckProvisioning(RuleContext c, IotEdgeSpec iot)
    {
        var p = iot.Provisioning;
        var pp = P.Child("provisioning");
        if (p.Source is null)
        {
            c.Error(pp.Child("source"), "required", "is required: manual or dps");
            return false;
        }

        if (!c.OneOf(pp.Child("source"), p.Source, ProvisioningModes.Sources))
        {
            return false;
        }

        var methods = p.Source == ProvisioningSources.Dps ? ProvisioningModes.DpsMethods : ProvisioningModes.ManualMethods;
        if (p.Method is null)
        {
            c.Error(pp.Child("method"), "required", $"is required: {string.Join(", ", methods)}");
            return false;
        }

        if (!methods.Contains(p.Method, StringComparer.Ordinal))
        {
            var other = p.Source == ProvisioningSources.Dps ? ProvisioningSources.Manual : ProvisioningSources.Dps;
            c.Error(pp.Child("method"), "enum", $"{DisplayText.Value(p.Method)} is not a {p.Source} method; use one of {string.Join(", ", methods)}"
                + ((p.Source == ProvisioningSources.Dps ? ProvisioningModes.ManualMethods : ProvisioningModes.DpsMethods).Contains(p.Method, StringComparer.Ordinal) ? $" (or source {other})" : Diagnostics.Suggestions.DidYouMean(p.Method, methods)));
            return false;
        }

        if (p.Source == ProvisioningSources.Manual)
        {
            foreach (var (field, value) in new[] { ("idScope", p.IdScope), ("registrationId", p.RegistrationId) })
            {
                if (value is not null)
                {
                    c.Error(pp.Child(field), "provisioning-field", "only applies to source dps");
                }
            }

            if (c.IsSet(pp.Child("globalEndpoint")))
            {
                c.Error(pp.Child("globalEndpoint"), "provisioning-field", "only applies to source dps");
            }

            if (p.Method == ProvisioningMethods.ConnectionString)
            {
                foreach (var (field, value) in new[] { ("iothubHostname", p.IothubHostname), ("deviceId", p.DeviceId) })
                {
                    if (value is not null)
                    {
                        c.Error(pp.Child(field), "provisioning-field", "comes from the connection string; remove it");
                    }
                }
            }
            else
            {
                c.Required(pp.Child("iothubHostname"), p.IothubHostname);
                c.Name(pp.Child("iothubHostname"), p.IothubHostname, IotIdentifiers.CheckHubHostname, "iothub-hostname");
                c.Required(pp.Child("deviceId"), p.DeviceId);
                c.Name(pp.Child("deviceId"), p.DeviceId, IotIdentifiers.CheckDeviceId, "device-id");
            }
        }
        else
        {
            foreach (var (field, value) in new[] { ("iothubHostname", p.IothubHostname), ("deviceId", p.DeviceId) })
            {
                if (value is not null)
                {
                    c.Error(pp.Child(field), "provisioning-field", "only applies to source manual (DPS assigns the hub and the id)");
                }
            }

            c.Required(pp.Child("idScope"), p.IdScope);
            c.Name(pp.Child("idScope"), p.IdScope, IotIdentifiers.CheckIdScope, "id-scope");
            if (!Uri.TryCreate(p.GlobalEndpoint, UriKind.Absolute, out var endpoint) || endpoint.Scheme != "https" || endpoint.AbsolutePath != "/" || endpoint.Query.Length > 0)
            {
                c.Error(pp.Child("globalEndpoint"), "url", $"{DisplayText.Value(p.GlobalEndpoint)} must be an https:// host such as https://global.azure-devices-provisioning.net");
            }

            if (p.Method is ProvisioningMethods.SymmetricKey or ProvisioningMethods.Tpm)
            {
                c.Required(pp.Child("registrationId"), p.RegistrationId);
            }

            c.Name(pp.Child("registrationId"), p.RegistrationId, IotIdentifiers.CheckRegistrationId, "registration-id");
            if (p.IdScope is { } scope && IotIdentifiers.CheckIdScope(scope) is null && endpoint?.Host is { } host)
            {
                var china = host.EndsWith(".cn", StringComparison.Ordinal);
                if (china != scope.StartsWith("0cn", StringComparison.Ordinal))
                {
                    c.Warning(pp.Child("idScope"), "id-scope", $"ID scope {DisplayText.Value(scope)} and endpoint {host} look like different clouds");
                }
            }
        }

        if (c.OneOf(pp.Child("enrollment"), p.Enrollment, "individual", "group") && p.Enrollment == "group" && !(p.Source == ProvisioningSources.Dps && p.Method == ProvisioningMethods.SymmetricKey))
        {
            c.Error(pp.Child("enrollment"), "enrollment", "group enrollment applies only to dps symmetricKey (X.509 groups use the certificate chain)");
        }

        if (iot.ParentHostname is not null && p.Source == ProvisioningSources.Dps)
        {
            c.Error(P.Child("parentHostname"), "nested-dps", "DPS provisioning is not supported in nested mode (aziot refuses it); use manual provisioning for a child device");
        }

        return true;
    }
}
