using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using KVEdge.Core.Spec;

namespace KVEdge.Core.Rendering.IotEdge;

/// <summary>
/// The files of the config disk (ConfigMap NAME-config): everything the converge program needs that is not a secret,
/// and the converge program and its units themselves.
/// </summary>
public static class GuestConfig
{
    // One instance: options build a metadata cache, and a new one per device showed up in the fleet profile.
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static SortedDictionary<string, string> Files(EdgeDevice device)
    {
        var iot = device.Spec.IotEdge!;
        var mount = device.Spec.DataDisk.MountPath;
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["kvedge.env"] = ConvergeEnv(device),
            ["daemon.json"] = DaemonJson(iot, mount),
            ["docker.conf"] = DockerDropIn(iot, mount),
            // The only copy: the user-data's bootstrap installs it at the first boot; on a running device a kvedge upgrade
            // delivers a new one here, and the installed program replaces itself with this copy when they differ.
            ["kvedge-converge"] = GuestFiles.Read(GuestFiles.Converge),
            ["kvedge-health"] = GuestFiles.Read(GuestFiles.Health),
            [GuestFiles.ConvergeUnit] = GuestFiles.Read(GuestFiles.ConvergeUnit),
            [GuestFiles.ApplyUnit] = GuestFiles.Read(GuestFiles.ApplyUnit),
        };
        // A verbatim config.toml travels on the credentials disk; the converge program prefers it when present.
        if (!ProvisioningModes.IsVerbatim(iot))
        {
            files["config.toml"] = ConfigTomlRenderer.RenderTemplate(device);
        }

        if (iot.Proxy?.HttpsProxy is not null)
        {
            files["aziot-proxy.conf"] = "[Service]\n" + ProxyEnvironment(iot.Proxy, upperCase: false);
        }

        if (!iot.PackageRepository.Trusted)
        {
            files["repository.asc"] = iot.PackageRepository.SigningKey ?? GuestFiles.Read(GuestFiles.MicrosoftKey);
        }

        if (iot.TrustBundle is { } bundle)
        {
            files["trust-bundle.pem"] = bundle.EndsWith('\n') ? bundle : bundle + "\n";
        }

        return files;
    }

    /// <summary>
    /// Shell assignments the converge program sources; every value is single-quoted (a "'" closed, escaped and
    /// reopened), so nothing in it is expanded, and one assignment a line: a line break is refused, not quoted.
    /// </summary>
    private static string ConvergeEnv(EdgeDevice device)
    {
        var iot = device.Spec.IotEdge!;
        var repo = iot.PackageRepository;
        var values = new (string Key, string Value)[]
        {
            ("KVEDGE_DATA_MOUNT", device.Spec.DataDisk.MountPath),
            ("KVEDGE_AZIOT_EDGE_VERSION", iot.Version),
            ("KVEDGE_IDENTITY_SERVICE_VERSION", ProvisioningModes.IdentityServiceVersion(iot)),
            ("KVEDGE_MOBY_ENGINE_VERSION", iot.MobyEngineVersion),
            ("KVEDGE_MOBY_CONTAINERD_VERSION", iot.MobyContainerdVersion),
            ("KVEDGE_MOBY_RUNC_VERSION", iot.MobyRuncVersion),
            ("KVEDGE_REPO_URL", repo.Url ?? ""),
            ("KVEDGE_REPO_SUITE", repo.Suite ?? ""),
            ("KVEDGE_REPO_COMPONENTS", string.Join(' ', repo.Components)),
            ("KVEDGE_REPO_TRUSTED", repo.Trusted ? "true" : "false"),
            ("KVEDGE_PROVISIONING_SOURCE", iot.Provisioning.Source ?? VerbatimSource(iot) ?? ""),
            // apt's proxy (the converge program writes apt.conf.d/80kvedge-proxy from these, or removes it).
            ("KVEDGE_HTTPS_PROXY", iot.Proxy?.HttpsProxy ?? ""),
            ("KVEDGE_NO_PROXY", iot.Proxy?.HttpsProxy is null ? "" : string.Join(',', iot.Proxy.NoProxy)),
        };
        var sb = new StringBuilder("# Written by kvedge; read by kvedge-converge at every boot.\n");
        foreach (var (key, value) in values)
        {
            if (value.Any(char.IsControl))
            {
                throw new ArgumentException($"{key}: a control character cannot be written to kvedge.env");
            }

            sb.Append(key).Append("='").Append(value.Replace("'", "'\\''", StringComparison.Ordinal)).Append("'\n");
        }

        return sb.ToString();
    }

    private static string? VerbatimSource(IotEdgeSpec iot) =>
        iot.Credentials.ConfigToml is { } text
        && Tomlyn.TomlSerializer.Deserialize(text, KVEdge.Core.Files.TomlContext.Default.TomlTable)!["provisioning"] is Tomlyn.Model.TomlTable p
        && p.TryGetValue("source", out var source) ? source as string : null;

    /// <summary>dockerd settings: data-root on the data disk, and the log rotation and DNS `iotedge check` asks for.</summary>
    private static string DaemonJson(IotEdgeSpec iot, string mount)
    {
        var json = new JsonObject { ["data-root"] = $"{mount}/docker", ["log-driver"] = iot.ContainerLogs.Driver };
        if (iot.ContainerLogs.Driver != "journald")
        {
            json["log-opts"] = new JsonObject
            {
                ["max-size"] = iot.ContainerLogs.MaxSize,
                ["max-file"] = iot.ContainerLogs.MaxFile.ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
        }

        if (iot.DnsServers.Count > 0)
        {
            json["dns"] = new JsonArray([.. iot.DnsServers.Select(d => (JsonNode?)d)]);
        }

        return json.ToJsonString(Indented) + "\n";
    }

    // Without RequiresMountsFor, a boot where the data disk is late would start dockerd on an empty data-root on the root disk.
    private static string DockerDropIn(IotEdgeSpec iot, string mount)
    {
        var sb = new StringBuilder("[Unit]\nRequiresMountsFor=").Append(SystemdUnitText.Path(mount)).Append('\n');
        if (iot.Proxy?.HttpsProxy is not null)
        {
            sb.Append("\n[Service]\n").Append(ProxyEnvironment(iot.Proxy, upperCase: true));
        }

        return sb.ToString();
    }

    private static string ProxyEnvironment(ProxySpec proxy, bool upperCase)
    {
        var sb = new StringBuilder();
        sb.Append(SystemdUnitText.Environment("https_proxy", proxy.HttpsProxy!));
        if (upperCase)
        {
            sb.Append(SystemdUnitText.Environment("HTTPS_PROXY", proxy.HttpsProxy!));
        }

        if (proxy.NoProxy.Count > 0)
        {
            var list = string.Join(',', proxy.NoProxy);
            sb.Append(SystemdUnitText.Environment("no_proxy", list));
            if (upperCase)
            {
                sb.Append(SystemdUnitText.Environment("NO_PROXY", list));
            }
        }

        return sb.ToString();
    }
}
