using KVEdge.Core.Diagnostics;
using KVEdge.Core.Spec;

namespace KVEdge.Core.Validation;

/// <summary>spec.iotEdge, the packages: the aziot-edge, identity-service and moby versions, and the package repository.</summary>
public static partial class IotEdgeValidator
{
    private static void CheckPackages(RuleContext c, IotEdgeSpec iot)
    {
        if (!UpstreamVersionRegex().IsMatch(iot.Version))
        {
            c.Error(P.Child("version"), "version", $"{DisplayText.Value(iot.Version)} must be an aziot-edge version such as {IotEdgeSpec.DefaultVersion}");
        }
        else if (iot.IdentityServiceVersion is null && !ProvisioningModes.IdentityServiceFor.ContainsKey(iot.Version))
        {
            c.Error(P.Child("identityServiceVersion"), "unknown-version",
                $"kvedge does not know which aziot-identity-service aziot-edge {iot.Version} pins; set identityServiceVersion (known: {string.Join(", ", ProvisioningModes.IdentityServiceFor.Select(kv => $"{kv.Key} → {kv.Value}"))})");
        }

        if (iot.IdentityServiceVersion is { } ids && !PackageVersionRegex().IsMatch(ids))
        {
            c.Error(P.Child("identityServiceVersion"), "version", $"{DisplayText.Value(ids)} is not a package version");
        }

        foreach (var (field, version) in new[] { ("mobyEngineVersion", iot.MobyEngineVersion), ("mobyContainerdVersion", iot.MobyContainerdVersion), ("mobyRuncVersion", iot.MobyRuncVersion) })
        {
            if (!PackageVersionRegex().IsMatch(version))
            {
                c.Error(P.Child(field), "version", $"{DisplayText.Value(version)} is not a package version");
            }
        }

        var repo = iot.PackageRepository;
        if (repo.Url is { } url)
        {
            if (DeviceValidator.UrlUserinfoRegex().IsMatch(url))
            {
                c.Error(P.Child("packageRepository").Child("url"), "credential-in-url", "must not carry user:password@ (it would be written to the ConfigMap and the guest's apt sources)");
            }
            else if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https" or "file") || url.Any(char.IsWhiteSpace))
            {
                c.Error(P.Child("packageRepository").Child("url"), "url", $"{DisplayText.Value(url)} must be an absolute http://, https:// or file:// URL");
            }

            if (repo.Suite is null)
            {
                c.Error(P.Child("packageRepository").Child("suite"), "required", "is required with url (the distribution, e.g. noble or bookworm)");
            }
        }
        else if (repo.Suite is not null)
        {
            c.Error(P.Child("packageRepository").Child("suite"), "repository", "only applies with url; without url the guest picks its own OS's suite");
        }

        if (repo.Suite is { } suite && !SuiteRegex().IsMatch(suite))
        {
            c.Error(P.Child("packageRepository").Child("suite"), "repository", $"{DisplayText.Value(suite)} is not a distribution name");
        }

        for (var i = 0; i < repo.Components.Count; i++)
        {
            if (!SuiteRegex().IsMatch(repo.Components[i]))
            {
                c.Error(P.Child("packageRepository").Child("components").Index(i), "repository", $"{DisplayText.Value(repo.Components[i])} is not a component name");
            }
        }

        if (repo.SigningKey is { } secret && secret.Contains("PRIVATE KEY", StringComparison.Ordinal))
        {
            // Not shown: it is a secret key, which would be written to the ConfigMap and the guest.
            c.Error(P.Child("packageRepository").Child("signingKey"), "private-key", "holds a private key; the repository's OpenPGP public key goes here (gpg --armor --export)");
        }
        else if (repo.SigningKey is { } key && !key.Contains("-----BEGIN PGP PUBLIC KEY BLOCK-----", StringComparison.Ordinal))
        {
            c.Error(P.Child("packageRepository").Child("signingKey"), "signing-key", "must be an ASCII-armored OpenPGP public key");
        }

        if (repo.Trusted && repo.SigningKey is not null)
        {
            c.Error(P.Child("packageRepository").Child("trusted"), "repository", "a trusted (unsigned) repository takes no signingKey");
        }

        if (repo.Trusted && repo.Url is null)
        {
            c.Error(P.Child("packageRepository").Child("trusted"), "repository", "only a repository you name (url) can be trusted unsigned");
        }
    }
}
