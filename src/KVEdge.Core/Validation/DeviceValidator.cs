using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using KVEdge.Core.Diagnostics;
using KVEdge.Core.Input;
using KVEdge.Core.Rendering;
using KVEdge.Core.Spec;

namespace KVEdge.Core.Validation;

/// <summary>
/// Every rule a device must pass before anything is rendered: Kubernetes syntax, the KubeVirt and CDI
/// admission rules the schemas cannot express, and what this project needs to bring IoT Edge up.
/// </summary>
public static partial class DeviceValidator
{
    private const decimal Gi = 1L << 30;
    private const decimal Mi = 1L << 20;

    public static readonly string[] RunStrategies = ["Always", "Halted", "Manual", "RerunOnFailure", "Once"];
    public static readonly string[] EvictionStrategies = ["None", "LiveMigrate", "LiveMigrateIfPossible", "External"];
    public static readonly string[] AccessModes = ["ReadWriteOnce", "ReadWriteMany", "ReadOnlyMany", "ReadWriteOncePod"];
    public static readonly string[] VolumeModes = ["Filesystem", "Block"];
    public static readonly string[] ServiceTypes = ["None", "ClusterIP", "NodePort", "LoadBalancer"];

    /// <summary>The pattern, shared with the chart's values.schema.json.</summary>
    public const string LinuxUserPattern = "^[a-z_][a-z0-9_-]{0,31}$";

    [GeneratedRegex(LinuxUserPattern)]
    private static partial Regex LinuxUserRegex();

    /// <summary>The pattern, shared with the chart's values.schema.json.</summary>
    public const string ImageReferencePattern = "^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[0-9a-f]{64})?$";

    [GeneratedRegex(ImageReferencePattern)]
    private static partial Regex ImageReferenceRegex();

    /// <summary>The pattern, shared with the chart's values.schema.json.</summary>
    public const string ChecksumPattern = "^(md5:[0-9a-f]{32}|sha1:[0-9a-f]{40}|sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$";

    [GeneratedRegex(ChecksumPattern)]
    private static partial Regex ChecksumRegex();

    public static readonly IReadOnlySet<string> SystemUsers = new HashSet<string>(StringComparer.Ordinal)
    {
        "root", "daemon", "bin", "sys", "sync", "games", "man", "lp", "mail", "news", "uucp", "proxy",
        "www-data", "backup", "list", "irc", "nobody", "systemd-network", "systemd-resolve", "messagebus",
        "sshd", "syslog", "iotedge", "aziotid", "aziotcs", "aziotks", "aziottpm", "edgeagentuser", "edgehubuser",
    };

    public static void Validate(BindingResult<EdgeDevice> binding, DiagnosticBag diagnostics)
    {
        var c = new RuleContext(binding, diagnostics);
        CheckHeader(c);
        CheckCompute(c);
        CheckPlacement(c);
        CheckIdentity(c);
        CheckRootDisk(c);
        CheckDataDisk(c);
        CheckSsh(c);
        CheckExpose(c);
    }

    /// <summary>Two documents describing the same namespace/name would overwrite each other.</summary>
    public static void CheckFleet(IReadOnlyList<BindingResult<EdgeDevice>> devices, string defaultNamespace, DiagnosticBag diagnostics)
    {
        var seen = new Dictionary<string, BindingResult<EdgeDevice>>(StringComparer.Ordinal);
        foreach (var d in devices)
        {
            if (d.Value.Metadata.Name is not { } name)
            {
                continue;
            }

            var key = $"{d.Value.Metadata.Namespace ?? defaultNamespace}/{name}";
            if (seen.TryGetValue(key, out var first))
            {
                diagnostics.Add(new Diagnostic(Severity.Error, d.Locate("metadata.name"), "metadata.name", "duplicate-device",
                    $"device {key} is already defined at {first.Locate("metadata.name")}"));
            }
            else
            {
                seen[key] = d;
            }
        }
    }

    private static void CheckHeader(RuleContext c)
    {
        var d = c.Device;
        if (d.ApiVersion != EdgeDevice.ApiVersionValue)
        {
            c.Error("apiVersion", "api-version", d.ApiVersion is null
                ? $"is required and must be {EdgeDevice.ApiVersionValue}"
                : $"{DisplayText.Value(d.ApiVersion)} is not supported; use {EdgeDevice.ApiVersionValue}");
        }

        if (d.Kind != EdgeDevice.KindValue)
        {
            c.Error("kind", "kind", d.Kind is null
                ? $"is required and must be {EdgeDevice.KindValue}"
                : $"{DisplayText.Value(d.Kind)} is not supported; use {EdgeDevice.KindValue}{Suggestions.DidYouMean(d.Kind, [EdgeDevice.KindValue])}");
        }

        c.Required("metadata.name", d.Metadata.Name);
        c.Name("metadata.name", d.Metadata.Name, KubernetesNames.CheckDns1035Label, "rfc1035-label");
        c.Name("metadata.namespace", d.Metadata.Namespace, KubernetesNames.CheckDns1123Label, "rfc1123-label");
        c.Labels("metadata.labels", d.Metadata.Labels);
        foreach (var key in d.Metadata.Labels.Keys.Where(StandardLabels.IsReserved))
        {
            c.Error($"metadata.labels[{key}]", "reserved-label", $"{DisplayText.Value(key)} is set by kvedge and cannot be overridden");
        }

        foreach (var key in d.Metadata.Annotations.Keys)
        {
            if (KubernetesNames.CheckQualifiedKey(key) is { } reason)
            {
                c.Error($"metadata.annotations[{key}]", "annotation-key", $"key {DisplayText.Value(key)}: {reason}");
            }
        }

        var annotationBytes = d.Metadata.Annotations.Sum(kv => kv.Key.Length + kv.Value.Length);
        if (annotationBytes > 256 * 1024)
        {
            c.Error("metadata.annotations", "annotation-size", "annotations must total no more than 256 KiB");
        }
    }

    private static void CheckCompute(RuleContext c)
    {
        var s = c.Device.Spec;
        c.OneOf("spec.runStrategy", s.RunStrategy, RunStrategies);
        c.Range("spec.cpu.cores", s.Cpu.Cores, 1, 256);
        c.Range("spec.cpu.sockets", s.Cpu.Sockets, 1, 64);
        c.Range("spec.cpu.threads", s.Cpu.Threads, 1, 8);
        if ((long)s.Cpu.Cores * s.Cpu.Sockets * s.Cpu.Threads > 512)
        {
            c.Error("spec.cpu", "range", "cores × sockets × threads must be at most 512 vCPUs");
        }

        if (s.Cpu.Model is { } model && (model.Length == 0 || model.Any(char.IsWhiteSpace)))
        {
            c.Error("spec.cpu.model", "cpu-model", "must be a CPU model name such as host-model or host-passthrough");
        }

        c.Quantity("spec.memory", s.Memory, Gi, 4096 * Gi);
        if (c.IsSet("spec.memory") && Quantities.TryParse(s.Memory) is { } bytes && bytes < 2 * Gi && bytes >= Gi)
        {
            c.Warning("spec.memory", "memory-low", "IoT Edge with edgeAgent, edgeHub and a module is tight below 2Gi");
        }

        c.Name("spec.hostname", s.Hostname, KubernetesNames.CheckDns1123Label, "rfc1123-label");
        if (c.OneOf("spec.evictionStrategy", s.EvictionStrategy, EvictionStrategies) && s.EvictionStrategy == "LiveMigrate")
        {
            // KubeVirt accepts this on RWO storage and then never migrates; say so before the first drain does.
            if (s.RootDisk.ContainerDisk is null && s.RootDisk.AccessMode != "ReadWriteMany")
            {
                c.Error("spec.rootDisk.accessMode", "live-migration-rwx", "evictionStrategy LiveMigrate needs accessMode ReadWriteMany on the root disk");
            }

            if (s.DataDisk.AccessMode != "ReadWriteMany")
            {
                c.Error("spec.dataDisk.accessMode", "live-migration-rwx", "evictionStrategy LiveMigrate needs accessMode ReadWriteMany on the data disk");
            }
        }
    }

    private static void CheckPlacement(RuleContext c)
    {
        var p = c.Device.Spec.Placement;
        c.Labels("spec.placement.nodeSelector", p.NodeSelector);
        for (var i = 0; i < p.Tolerations.Count; i++)
        {
            var t = p.Tolerations[i];
            var path = $"spec.placement.tolerations[{i}]";
            c.OneOf($"{path}.operator", t.OperatorProperty, "Exists", "Equal");
            if (t.Effect is { Length: > 0 })
            {
                c.OneOf($"{path}.effect", t.Effect, "NoSchedule", "PreferNoSchedule", "NoExecute");
            }

            if (t.OperatorProperty == "Exists" && !string.IsNullOrEmpty(t.Value))
            {
                c.Error($"{path}.value", "toleration", "must be empty when operator is Exists");
            }

            if (t.TolerationSeconds is not null && t.Effect != "NoExecute")
            {
                c.Error($"{path}.tolerationSeconds", "toleration", "is only valid with effect NoExecute");
            }

            if (t.Key is { Length: > 0 } key && KubernetesNames.CheckQualifiedKey(key) is { } reason)
            {
                c.Error($"{path}.key", "label-key", $"key {DisplayText.Value(key)}: {reason}");
            }
        }

        c.Name("spec.placement.priorityClassName", p.PriorityClassName, KubernetesNames.CheckDns1123Subdomain, "rfc1123-subdomain");
    }

    private static void CheckIdentity(RuleContext c)
    {
        var s = c.Device.Spec;
        if (s.Firmware.Uuid is { } uuid && !Guid.TryParseExact(uuid, "D", out _))
        {
            c.Error("spec.firmware.uuid", "uuid", $"{DisplayText.Value(uuid)} is not a UUID (8-4-4-4-12 hex digits)");
        }

        c.OneOf("spec.firmware.bootloader", s.Firmware.Bootloader, "bios", "efi");
        if (s.Firmware.SecureBoot && s.Firmware.Bootloader != "efi")
        {
            c.Error("spec.firmware.secureBoot", "secure-boot", "secure boot needs bootloader efi");
        }

        if (s.Network.MacAddress is { } mac && MacAddress.Check(mac) is { } reason)
        {
            c.Error("spec.network.macAddress", "mac", $"{DisplayText.Value(mac)} {reason}");
        }
    }

    private static void CheckRootDisk(RuleContext c)
    {
        var r = c.Device.Spec.RootDisk;
        var sources = new (string Name, object? Value)[]
        {
            ("containerDisk", r.ContainerDisk), ("http", r.Http), ("registry", r.Registry), ("pvc", r.Pvc), ("dataSource", r.DataSource),
        }.Where(x => x.Value is not null).Select(x => x.Name).ToList();
        if (sources.Count > 1)
        {
            c.Error("spec.rootDisk", "root-disk-source", $"give exactly one source; found {string.Join(", ", sources)}");
        }

        if (r.ContainerDisk is { } cd)
        {
            c.Required("spec.rootDisk.containerDisk.image", cd.Image);
            CheckImage(c, "spec.rootDisk.containerDisk.image", cd.Image);
            c.OneOf("spec.rootDisk.containerDisk.imagePullPolicy", cd.ImagePullPolicy, "Always", "IfNotPresent", "Never");
            foreach (var field in new[] { "size", "storageClassName", "accessMode", "volumeMode" })
            {
                if (c.IsSet($"spec.rootDisk.{field}"))
                {
                    c.Error($"spec.rootDisk.{field}", "container-disk-storage", "a containerDisk has no PVC; remove this field or import the image with registry instead");
                }
            }

            return;
        }

        if (r.Http is { } http)
        {
            c.Required("spec.rootDisk.http.url", http.Url);
            if (http.Url is { } url && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https" or "gs") || string.IsNullOrEmpty(uri.Host)))
            {
                c.Error("spec.rootDisk.http.url", "url", $"{DisplayText.Value(url)} must be an absolute http://, https:// or gs:// URL");
            }

            c.Name("spec.rootDisk.http.secretRef", http.SecretRef, KubernetesNames.CheckDns1123Subdomain, "rfc1123-subdomain");
            c.Name("spec.rootDisk.http.certConfigMap", http.CertConfigMap, KubernetesNames.CheckDns1123Subdomain, "rfc1123-subdomain");
            if (http.Checksum is { } sum && !ChecksumRegex().IsMatch(sum))
            {
                c.Error("spec.rootDisk.http.checksum", "checksum", $"{DisplayText.Value(sum)} must be ALGORITHM:HEX with md5, sha1, sha256 or sha512 and the matching number of lower-case hex digits");
            }
        }

        if (r.Registry is { } reg)
        {
            c.Required("spec.rootDisk.registry.url", reg.Url);
            if (reg.Url is { } url)
            {
                if (url.StartsWith("docker://", StringComparison.Ordinal))
                {
                    CheckImage(c, "spec.rootDisk.registry.url", url["docker://".Length..]);
                }
                else if (!url.StartsWith("oci-archive://", StringComparison.Ordinal) || url.Length == "oci-archive://".Length)
                {
                    c.Error("spec.rootDisk.registry.url", "url", $"{DisplayText.Value(url)} must start with docker:// or oci-archive://");
                }
            }

            c.OneOf("spec.rootDisk.registry.pullMethod", reg.PullMethod, "pod", "node");
            c.Name("spec.rootDisk.registry.secretRef", reg.SecretRef, KubernetesNames.CheckDns1123Subdomain, "rfc1123-subdomain");
            c.Name("spec.rootDisk.registry.certConfigMap", reg.CertConfigMap, KubernetesNames.CheckDns1123Subdomain, "rfc1123-subdomain");
        }

        if (r.Pvc is { } pvc)
        {
            c.Required("spec.rootDisk.pvc.name", pvc.Name);
            c.Name("spec.rootDisk.pvc.name", pvc.Name, KubernetesNames.CheckDns1123Subdomain, "rfc1123-subdomain");
            c.Name("spec.rootDisk.pvc.namespace", pvc.Namespace, KubernetesNames.CheckDns1123Label, "rfc1123-label");
        }

        if (r.DataSource is { } ds)
        {
            c.Required("spec.rootDisk.dataSource.name", ds.Name);
            c.Name("spec.rootDisk.dataSource.name", ds.Name, KubernetesNames.CheckDns1123Subdomain, "rfc1123-subdomain");
            c.Name("spec.rootDisk.dataSource.namespace", ds.Namespace, KubernetesNames.CheckDns1123Label, "rfc1123-label");
        }

        CheckStorage(c, "spec.rootDisk", r.Size, r.StorageClassName, r.AccessMode, r.VolumeMode, 2 * Gi);
    }

    private static void CheckDataDisk(RuleContext c)
    {
        var d = c.Device.Spec.DataDisk;
        CheckStorage(c, "spec.dataDisk", d.Size, d.StorageClassName, d.AccessMode, d.VolumeMode, Gi);
    }

    private static void CheckStorage(RuleContext c, string path, string size, string? storageClass, string? accessMode, string? volumeMode, decimal minimum)
    {
        c.Quantity($"{path}.size", size, minimum, 64 * 1024 * Gi);
        c.Name($"{path}.storageClassName", storageClass, KubernetesNames.CheckDns1123Subdomain, "rfc1123-subdomain");
        c.OneOf($"{path}.accessMode", accessMode, AccessModes);
        c.OneOf($"{path}.volumeMode", volumeMode, VolumeModes);
        if (accessMode == "ReadOnlyMany")
        {
            c.Error($"{path}.accessMode", "access-mode", "the VM writes to this disk; ReadOnlyMany cannot work");
        }
    }

    private static void CheckImage(RuleContext c, string path, string? image)
    {
        if (image is { Length: > 0 })
        {
            c.Name(path, image, CheckImageReference, "image-reference");
        }
    }

    /// <summary>Null when the text is a container image reference; else the reason.</summary>
    public static string? CheckImageReference(string image) =>
        ImageReferenceRegex().IsMatch(image) ? null : "is not an image reference (REGISTRY/REPOSITORY[:TAG][@sha256:DIGEST], lower case)";

    private static void CheckSsh(RuleContext c)
    {
        var ssh = c.Device.Spec.Ssh;
        if (!LinuxUserRegex().IsMatch(ssh.User))
        {
            c.Error("spec.ssh.user", "linux-user", $"{DisplayText.Value(ssh.User)} must be a Linux user name: lower case letters, digits, '_' and '-', starting with a letter or '_', at most 32 characters");
        }
        else if (SystemUsers.Contains(ssh.User))
        {
            c.Error("spec.ssh.user", "linux-user", $"{DisplayText.Value(ssh.User)} is a system account; choose an admin user name such as azureuser");
        }

        if (ssh.AuthorizedKeys.Count == 0)
        {
            c.Warning("spec.ssh.authorizedKeys", "no-ssh-key", "no SSH key: the VM will have no way to log in (password login is always off)");
        }

        var bodies = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < ssh.AuthorizedKeys.Count; i++)
        {
            var path = $"spec.ssh.authorizedKeys[{i}]";
            var key = ssh.AuthorizedKeys[i];
            if (SshPublicKey.TryParse(key, out var error) is null)
            {
                c.Error(path, "ssh-public-key", error!);
                continue;
            }

            var body = key.Trim().Split((char[])[' ', '\t'], 3, StringSplitOptions.RemoveEmptyEntries)[1];
            if (bodies.TryGetValue(body, out var first))
            {
                c.Error(path, "ssh-public-key", $"the same key is already given as authorizedKeys[{first}]");
            }
            else
            {
                bodies[body] = i;
            }
        }
    }

    private static void CheckExpose(RuleContext c)
    {
        var e = c.Device.Spec.Expose;
        if (!c.OneOf("spec.expose.type", e.Type, ServiceTypes))
        {
            return;
        }

        var external = e.Type is "NodePort" or "LoadBalancer";
        if (e.Type == "None")
        {
            if (e.Ports.Count > 0)
            {
                c.Error("spec.expose.ports", "expose-none", "ports need a Service; set spec.expose.type to ClusterIP, NodePort or LoadBalancer");
            }

            return;
        }

        c.Range("spec.expose.sshPort", e.SshPort, 1, 65535);
        CheckNodePort(c, "spec.expose.sshNodePort", e.SshNodePort, external);
        var ports = new Dictionary<(int, string), string> { [(e.SshPort, "TCP")] = "spec.expose.sshPort" };
        var names = new Dictionary<string, string>(StringComparer.Ordinal) { ["ssh"] = "spec.expose.sshPort" };
        for (var i = 0; i < e.Ports.Count; i++)
        {
            var p = e.Ports[i];
            var path = $"spec.expose.ports[{i}]";
            c.Required($"{path}.name", p.Name);
            if (p.Name is { } name)
            {
                c.Name($"{path}.name", name, KubernetesNames.CheckPortName, "port-name");
                if (!names.TryAdd(name, path))
                {
                    c.Error($"{path}.name", "duplicate-port", $"name {DisplayText.Value(name)} is already used by {names[name]}");
                }
            }

            c.Range($"{path}.port", p.Port, 1, 65535);
            c.OneOf($"{path}.protocol", p.Protocol, "TCP", "UDP", "SCTP");
            if (!ports.TryAdd((p.Port, p.Protocol), path))
            {
                c.Error($"{path}.port", "duplicate-port", $"{p.Port}/{p.Protocol} is already used by {ports[(p.Port, p.Protocol)]}");
            }

            var target = p.TargetPort ?? p.Port;
            if (p.TargetPort is { } tp)
            {
                c.Range($"{path}.targetPort", tp, 1, 65535);
            }

            // virt-handler uses these for live migration inside the pod; the guest can never receive them.
            if (target is 49152 or 49153)
            {
                c.Error($"{path}.{(p.TargetPort is null ? "port" : "targetPort")}", "migration-port", "guest ports 49152 and 49153 are reserved by KubeVirt for live migration");
            }

            CheckNodePort(c, $"{path}.nodePort", p.NodePort, external);
        }

        c.OneOf("spec.expose.externalTrafficPolicy", e.ExternalTrafficPolicy, "Cluster", "Local");
        if (e.ExternalTrafficPolicy is not null && !external)
        {
            c.Error("spec.expose.externalTrafficPolicy", "expose-external", "only applies to NodePort and LoadBalancer");
        }

        for (var i = 0; i < e.LoadBalancerSourceRanges.Count; i++)
        {
            if (!IPNetwork.TryParse(e.LoadBalancerSourceRanges[i], out _))
            {
                c.Error($"spec.expose.loadBalancerSourceRanges[{i}]", "cidr", $"{DisplayText.Value(e.LoadBalancerSourceRanges[i])} is not a CIDR such as 10.0.0.0/8");
            }
        }

        if (e.LoadBalancerSourceRanges.Count > 0 && e.Type != "LoadBalancer")
        {
            c.Error("spec.expose.loadBalancerSourceRanges", "expose-external", "only applies to type LoadBalancer");
        }

        foreach (var key in e.Annotations.Keys)
        {
            if (KubernetesNames.CheckQualifiedKey(key) is { } reason)
            {
                c.Error($"spec.expose.annotations[{key}]", "annotation-key", $"key {DisplayText.Value(key)}: {reason}");
            }
        }
    }

    private static void CheckNodePort(RuleContext c, string path, int? nodePort, bool external)
    {
        if (nodePort is not { } n)
        {
            return;
        }

        if (!external)
        {
            c.Error(path, "expose-external", "node ports need spec.expose.type NodePort or LoadBalancer");
            return;
        }

        // The default --service-node-port-range of kube-apiserver.
        if (n is < 30000 or > 32767)
        {
            c.Error(path, "range", string.Create(CultureInfo.InvariantCulture, $"must be in the node port range 30000-32767, got {n}"));
        }
    }
}
