using KVEdge.Core.Diagnostics;
using KVEdge.Core.Spec;
using KVEdge.Core.Validation.Credentials;

namespace KVEdge.Core.Validation;

/// <summary>spec.iotEdge.credentials: which ones a mode needs and must not get, and the values themselves (never shown).</summary>
public static partial class IotEdgeValidator
{
    private static void CheckCredentials(RuleContext c, IotEdgeSpec iot, TimeProvider clock)
    {
        var creds = iot.Credentials;
        var needed = ProvisioningModes.RequiredCredentials(iot).ToList();
        var edgeCa = new[] { CredentialKey.EdgeCaCert, CredentialKey.EdgeCaKey };
        bool Given(CredentialKey k) => k.Value(creds) is not null || k.Env(creds) is not null;

        if (creds.ExistingSecret is { } existing)
        {
            c.Name(P.Child("credentials").Child("existingSecret"), existing, KubernetesNames.CheckDns1123Subdomain, "rfc1123-subdomain");
            foreach (var key in CredentialKey.All.Where(Given))
            {
                c.Error(key.Env(creds) is not null ? key.EnvFieldPath : key.FieldPath, "credential-source", $"existingSecret supplies {key.SecretKey}; do not give {key.Field} as well");
            }

            if (iot.Provisioning is { Source: ProvisioningSources.Dps, Enrollment: "group" })
            {
                c.Warning(P.Child("credentials").Child("existingSecret"), "group-key",
                    "the Secret's symmetric-key must hold the device key derived for this registration id (kvedge dps derive-key), never the group key");
            }

            return;
        }

        if (creds.ExistingSecretHasEdgeCa)
        {
            c.Error(P.Child("credentials").Child("existingSecretHasEdgeCa"), "credential-source", "only applies with existingSecret");
        }

        foreach (var key in needed.Where(k => !Given(k) && !(k == CredentialKey.SymmetricKey && ProvisioningModes.RegistrationSuppliesKey(iot))))
        {
            c.Error(key.FieldPath, "credential-missing",
                $"{Mode(iot)} needs {key.Field}: give it with --set-file {key.Path}=FILE, name an environment variable in {key.Field}Env, or set existingSecret");
        }

        foreach (var key in CredentialKey.All.Except(needed).Except(edgeCa).Where(Given))
        {
            c.Error(key.Env(creds) is not null ? key.EnvFieldPath : key.FieldPath, "credential-unused", $"{Mode(iot)} does not use {key.Field}");
        }

        if (Given(CredentialKey.EdgeCaCert) != Given(CredentialKey.EdgeCaKey))
        {
            var missing = Given(CredentialKey.EdgeCaCert) ? CredentialKey.EdgeCaKey : CredentialKey.EdgeCaCert;
            c.Error(missing.FieldPath, "credential-missing", "the Edge CA needs both edgeCaCert and edgeCaKey");
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
                c.Error(CredentialKey.ConnectionString.FieldPath, "connection-string", $"the connection string {e}");
            }
        }

        if (creds.SymmetricKey is { } key && IotIdentifiers.CheckSymmetricKey(key.Trim(), out _) is { } keyReason)
        {
            var what = p is { Source: ProvisioningSources.Dps, Enrollment: "group" } ? "group key" : "symmetric key";
            c.Error(CredentialKey.SymmetricKey.FieldPath, "symmetric-key", $"the {what} {keyReason}");
        }

        CheckPair(c, CredentialKey.IdentityCert, CredentialKey.IdentityKey, creds.IdentityCert, creds.IdentityKey, clock, out var identity);
        CheckPair(c, CredentialKey.EdgeCaCert, CredentialKey.EdgeCaKey, creds.EdgeCaCert, creds.EdgeCaKey, clock, out _);
        if (identity is not null && p.Method == ProvisioningMethods.X509)
        {
            var expected = p.Source == ProvisioningSources.Dps ? p.RegistrationId : p.DeviceId;
            if (expected is not null && !string.Equals(identity.CommonName, expected, StringComparison.Ordinal))
            {
                var field = p.Source == ProvisioningSources.Dps ? "registrationId" : "deviceId";
                c.Error(P.Child("provisioning").Child(field), "certificate-cn", $"must equal the identity certificate's common name {DisplayText.Value(identity.CommonName)}");
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
                c.Error(certKey.FieldPath, "certificate", $"{certKey.Field} {error}");
            }
            else
            {
                var now = clock.GetUtcNow();
                if (info.NotAfter < now)
                {
                    c.Warning(certKey.FieldPath, "certificate-expired", $"{certKey.Field} expired on {info.NotAfter:yyyy-MM-dd}; the device will not authenticate");
                }
                else if (info.NotBefore > now)
                {
                    c.Warning(certKey.FieldPath, "certificate-not-yet-valid", $"{certKey.Field} is not valid before {info.NotBefore:yyyy-MM-dd}");
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
            c.Error(keyKey.FieldPath, "private-key", $"{keyKey.Field} {keyError}");
        }
        else if (info is not null && !publicKey.AsSpan().SequenceEqual(info.PublicKeyInfo))
        {
            c.Error(keyKey.FieldPath, "key-mismatch", $"{keyKey.Field} does not belong to {certKey.Field} (their public keys differ)");
        }
    }
}
