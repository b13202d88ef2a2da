using System.Globalization;
using System.Text.RegularExpressions;
using KVEdge.Core.Kubernetes;
using KVEdge.Core.Diagnostics;
using KVEdge.Core.Input;
using KVEdge.Core.Spec;

namespace KVEdge.Core.Validation;

/// <summary>
/// Every rule a device must pass before anything is rendered: Kubernetes syntax, the KubeVirt and CDI
/// admission rules the schemas cannot express, and what this project needs to bring IoT Edge up.
/// </summary>
public static partial class DeviceValidator
{
    private static readonly FieldPath SpecPath = FieldPath.Root("spec");
    private static readonly FieldPath MetadataPath = FieldPath.Root("metadata");

    private const decimal Gi = 1L << 30;
    private const decimal Mi = 1L << 20;

    public static readonly string[] RunStrategies = SpecVocabulary.RunStrategies;
    public static readonly string[] EvictionStrategies = SpecVocabulary.EvictionStrategies;
    public static readonly string[] AccessModes = SpecVocabulary.AccessModes;
    public static readonly string[] VolumeModes = SpecVocabulary.VolumeModes;
    public static readonly string[] ServiceTypes = SpecVocabulary.ServiceTypes;

    public const string LinuxUserPattern = SpecVocabulary.LinuxUserPattern;

    [GeneratedRegex(LinuxUserPattern)]
    private static partial Regex LinuxUserRegex();

    public const string ImageReferencePattern = SpecVocabulary.ImageReferencePattern;

    [GeneratedRegex(ImageReferencePattern)]
    private static partial Regex ImageReferenceRegex();

    public const string ChecksumPattern = SpecVocabulary.ChecksumPattern;

    [GeneratedRegex(ChecksumPattern)]
    private static partial Regex ChecksumRegex();

    public const string MountPathPattern = SpecVocabulary.MountPathPattern;

    [GeneratedRegex(MountPathPattern)]
    private static partial Regex MountPathRegex();

    public const string SystemFolderPattern = SpecVocabulary.SystemFolderPattern;

    [GeneratedRegex(SystemFolderPattern)]
    private static partial Regex SystemFolderRegex();

    public const string UrlUserinfoPattern = SpecVocabulary.UrlUserinfoPattern;

    [GeneratedRegex(UrlUserinfoPattern)]
    public static partial Regex UrlUserinfoRegex();

    public static readonly IReadOnlySet<string> SystemUsers = SpecVocabulary.SystemUsers;

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
            c.Error(FieldPath.Root("apiVersion"), "api-version", d.ApiVersion is null
                ? $"is required and must be {EdgeDevice.ApiVersionValue}"
                : $"{DisplayText.Value(d.ApiVersion)} is not supported; use {EdgeDevice.ApiVersionValue}");
        }

        if (d.Kind != EdgeDevice.KindValue)
        {
            c.Error(FieldPath.Root("kind"), "kind", d.Kind is null
                ? $"is required and must be {EdgeDevice.KindValue}"
                : $"{DisplayText.Value(d.Kind)} is not supported; use {EdgeDevice.KindValue}{Suggestions.DidYouMean(d.Kind, [EdgeDevice.KindValue])}");
        }

        c.Required(MetadataPath.Child("name"), d.Metadata.Name);
        c.Name(MetadataPath.Child("name"), d.Metadata.Name, KubernetesNames.CheckDns1035Label, "rfc1035-label");
        c.Name(MetadataPath.Child("namespace"), d.Metadata.Namespace, KubernetesNames.CheckDns1123Label, "rfc1123-label");
        c.Labels(MetadataPath.Child("labels"), d.Metadata.Labels);
        foreach (var key in d.Metadata.Labels.Keys.Where(StandardLabels.IsReserved))
        {
            c.Error(MetadataPath.Child("labels").Key(key), "reserved-label", $"{DisplayText.Value(key)} is set by kvedge and cannot be overridden");
        }

        foreach (var (key, value) in d.Metadata.Annotations)
        {
            if (KubernetesNames.CheckQualifiedKey(key) is { } reason)
            {
                c.Error(MetadataPath.Child("annotations").Key(key), "annotation-key", $"key {DisplayText.Value(key)}: {reason}");
            }

            c.NoCredential(MetadataPath.Child("annotations").Key(key), value, "is copied onto every object the device renders");
        }

        var annotationBytes = d.Metadata.Annotations.Sum(kv => kv.Key.Length + kv.Value.Length);
        if (annotationBytes > 256 * 1024)
        {
            c.Error(MetadataPath.Child("annotations"), "annotation-size", "annotations must total no more than 256 KiB");
        }
    }

    private static void CheckCompute(RuleContext c)
    {
        var s = c.Device.Spec;
        c.OneOf(SpecPath.Child("runStrategy"), s.RunStrategy, RunStrategies);
        c.Range(SpecPath.Child("cpu").Child("cores"), s.Cpu.Cores, 1, 256);
        c.Range(SpecPath.Child("cpu").Child("sockets"), s.Cpu.Sockets, 1, 64);
        c.Range(SpecPath.Child("cpu").Child("threads"), s.Cpu.Threads, 1, 8);
        if ((long)s.Cpu.Cores * s.Cpu.Sockets * s.Cpu.Threads > 512)
        {
            c.Error(SpecPath.Child("cpu"), "range", "cores × sockets × threads must be at most 512 vCPUs");
        }

        if (s.Cpu.Model is { } model && (model.Length == 0 || model.Any(char.IsWhiteSpace)))
        {
            c.Error(SpecPath.Child("cpu").Child("model"), "cpu-model", "must be a CPU model name such as host-model or host-passthrough");
        }

        c.Quantity(SpecPath.Child("memory"), s.Memory, Gi, 4096 * Gi);
        if (c.IsSet(SpecPath.Child("memory")) && Quantities.TryParse(s.Memory) is { } bytes && bytes < 2 * Gi && bytes >= Gi)
        {
            c.Warning(SpecPath.Child("memory"), "memory-low", "IoT Edge with edgeAgent, edgeHub and a module is tight below 2Gi");
        }

        c.Name(SpecPath.Child("hostname"), s.Hostname, KubernetesNames.CheckDns1123Label, "rfc1123-label");
        if (c.OneOf(SpecPath.Child("evictionStrategy"), s.EvictionStrategy, EvictionStrategies) && s.EvictionStrategy == "LiveMigrate")
        {
            // KubeVirt accepts this on RWO storage and then never migrates; say so before the first drain does.
            if (s.RootDisk.ContainerDisk is null && s.RootDisk.AccessMode != "ReadWriteMany")
            {
                c.Error(SpecPath.Child("rootDisk").Child("accessMode"), "live-migration-rwx", "evictionStrategy LiveMigrate needs accessMode ReadWriteMany on the root disk");
            }

            if (s.DataDisk.AccessMode != "ReadWriteMany")
            {
                c.Error(SpecPath.Child("dataDisk").Child("accessMode"), "live-migration-rwx", "evictionStrategy LiveMigrate needs accessMode ReadWriteMany on the data disk");
            }
        }
    }

    private static void CheckPlacement(RuleContext c)
    {
        var p = c.Device.Spec.Placement;
        c.Labels(SpecPath.Child("placement").Child("nodeSelector"), p.NodeSelector);
        for (var i = 0; i < p.Tolerations.Count; i++)
        {
            var t = p.Tolerations[i];
            var path = SpecPath.Child("placement").Child("tolerations").Index(i);
            c.OneOf(path.Child("operator"), t.OperatorProperty, "Exists", "Equal");
            if (t.Effect is { Length: > 0 })
            {
                c.OneOf(path.Child("effect"), t.Effect, "NoSchedule", "PreferNoSchedule", "NoExecute");
            }

            if (t.OperatorProperty == "Exists" && !string.IsNullOrEmpty(t.Value))
            {
                c.Error(path.Child("value"), "toleration", "must be empty when operator is Exists");
            }

            if (t.TolerationSeconds is not null && t.Effect != "NoExecute")
            {
                c.Error(path.Child("tolerationSeconds"), "toleration", "is only valid with effect NoExecute");
            }

            if (t.Key is { Length: > 0 } key && KubernetesNames.CheckQualifiedKey(key) is { } reason)
            {
                c.Error(path.Child("key"), "label-key", $"key {DisplayText.Value(key)}: {reason}");
            }
        }

        c.Name(SpecPath.Child("placement").Child("priorityClassName"), p.PriorityClassName, KubernetesNames.CheckDns1123Subdomain, "rfc1123-subdomain");
    }

    private static void CheckIdentity(RuleContext c)
    {
        var s = c.Device.Spec;
        if (s.Firmware.Uuid is { } uuid && !Guid.TryParseExact(uuid, "D", out _))
        {
            c.Error(SpecPath.Child("firmware").Child("uuid"), "uuid", $"{DisplayText.Value(uuid)} is not a UUID (8-4-4-4-12 hex digits)");
        }

        c.OneOf(SpecPath.Child("firmware").Child("bootloader"), s.Firmware.Bootloader, "bios", "efi");
        if (s.Firmware.SecureBoot && s.Firmware.Bootloader != "efi")
        {
            c.Error(SpecPath.Child("firmware").Child("secureBoot"), "secure-boot", "secure boot needs bootloader efi");
        }

        if (s.Network.MacAddress is { } mac && MacAddress.Check(mac) is { } reason)
        {
            c.Error(SpecPath.Child("network").Child("macAddress"), "mac", $"{DisplayText.Value(mac)} {reason}");
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
            c.Error(SpecPath.Child("rootDisk"), "root-disk-source", $"give exactly one source; found {string.Join(", ", sources)}");
        }

        if (r.ContainerDisk is { } cd)
        {
            c.Required(SpecPath.Child("rootDisk").Child("containerDisk").Child("image"), cd.Image);
            CheckImage(c, SpecPath.Child("rootDisk").Child("containerDisk").Child("image"), cd.Image);
            c.OneOf(SpecPath.Child("rootDisk").Child("containerDisk").Child("imagePullPolicy"), cd.ImagePullPolicy, "Always", "IfNotPresent", "Never");
            foreach (var field in new[] { "size", "storageClassName", "accessMode", "volumeMode" })
            {
                if (c.IsSet(SpecPath.Child("rootDisk").Child(field)))
                {
                    c.Error(SpecPath.Child("rootDisk").Child(field), "container-disk-storage", "a containerDisk has no PVC; remove this field or import the image with registry instead");
                }
            }

            return;
        }

        if (r.Http is { } http)
        {
            c.Required(SpecPath.Child("rootDisk").Child("http").Child("url"), http.Url);
            if (http.Url is { } withUser && UrlUserinfoRegex().IsMatch(withUser))
            {
                c.Error(SpecPath.Child("rootDisk").Child("http").Child("url"), "credential-in-url", "must not carry user:password@ (it would be written into the DataVolume); give CDI the credentials in a Secret named by rootDisk.http.secretRef");
            }
            else if (http.Url is { } url && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https" or "gs") || string.IsNullOrEmpty(uri.Host)))
            {
                c.Error(SpecPath.Child("rootDisk").Child("http").Child("url"), "url", $"{DisplayText.Value(url)} must be an absolute http://, https:// or gs:// URL");
            }

            c.Name(SpecPath.Child("rootDisk").Child("http").Child("secretRef"), http.SecretRef, KubernetesNames.CheckDns1123Subdomain, "rfc1123-subdomain");
            c.Name(SpecPath.Child("rootDisk").Child("http").Child("certConfigMap"), http.CertConfigMap, KubernetesNames.CheckDns1123Subdomain, "rfc1123-subdomain");
            if (http.Checksum is { } sum && !ChecksumRegex().IsMatch(sum))
            {
                c.Error(SpecPath.Child("rootDisk").Child("http").Child("checksum"), "checksum", $"{DisplayText.Value(sum)} must be ALGORITHM:HEX with md5, sha1, sha256 or sha512 and the matching number of lower-case hex digits");
            }
        }

        if (r.Registry is { } reg)
        {
            c.Required(SpecPath.Child("rootDisk").Child("registry").Child("url"), reg.Url);
            if (reg.Url is { } url)
            {
                if (url.StartsWith("docker://", StringComparison.Ordinal))
                {
                    CheckImage(c, SpecPath.Child("rootDisk").Child("registry").Child("url"), url["docker://".Length..]);
                }
                else if (!url.StartsWith("oci-archive://", StringComparison.Ordinal) || url.Length == "oci-archive://".Length)
                {
                    c.Error(SpecPath.Child("rootDisk").Child("registry").Child("url"), "url", $"{DisplayText.Value(url)} must start with docker:// or oci-archive://");
                }
            }

            c.OneOf(SpecPath.Child("rootDisk").Child("registry").Child("pullMethod"), reg.PullMethod, "pod", "node");
            c.Name(SpecPath.Child("rootDisk").Child("registry").Child("secretRef"), reg.SecretRef, KubernetesNames.CheckDns1123Subdomain, "rfc1123-subdomain");
            c.Name(SpecPath.Child("rootDisk").Child("registry").Child("certConfigMap"), reg.CertConfigMap, KubernetesNames.CheckDns1123Subdomain, "rfc1123-subdomain");
        }

        if (r.Pvc is { } pvc)
        {
            c.Required(SpecPath.Child("rootDisk").Child("pvc").Child("name"), pvc.Name);
            c.Name(SpecPath.Child("rootDisk").Child("pvc").Child("name"), pvc.Name, KubernetesNames.CheckDns1123Subdomain, "rfc1123-subdomain");
            c.Name(SpecPath.Child("rootDisk").Child("pvc").Child("namespace"), pvc.Namespace, KubernetesNames.CheckDns1123Label, "rfc1123-label");
        }

        if (r.DataSource is { } ds)
        {
            c.Required(SpecPath.Child("rootDisk").Child("dataSource").Child("name"), ds.Name);
            c.Name(SpecPath.Child("rootDisk").Child("dataSource").Child("name"), ds.Name, KubernetesNames.CheckDns1123Subdomain, "rfc1123-subdomain");
            c.Name(SpecPath.Child("rootDisk").Child("dataSource").Child("namespace"), ds.Namespace, KubernetesNames.CheckDns1123Label, "rfc1123-label");
        }

        CheckStorage(c, SpecPath.Child("rootDisk"), r.Size, r.StorageClassName, r.AccessMode, r.VolumeMode, 2 * Gi);
    }

    private static void CheckDataDisk(RuleContext c)
    {
        var d = c.Device.Spec.DataDisk;
        CheckStorage(c, SpecPath.Child("dataDisk"), d.Size, d.StorageClassName, d.AccessMode, d.VolumeMode, Gi);
        if (CheckMountPath(d.MountPath) is { } reason)
        {
            c.Error(SpecPath.Child("dataDisk").Child("mountPath"), "mount-path", $"{DisplayText.Value(d.MountPath)} {reason}");
        }
    }

    /// <summary>Null when the path may hold the data disk; else the reason.</summary>
    public static string? CheckMountPath(string path) =>
        path.Length > 255 ? "is longer than 255 characters"
        : !MountPathRegex().IsMatch(path) ? "must be an absolute, normalised path of letters, digits, '.', '_' and '-' (e.g. /var/lib/kvedge-data)"
        : SystemFolderRegex().IsMatch(path) ? "is a system folder or under one; mounting the data disk there would hide it (e.g. /var/lib/kvedge-data)"
        : null;

    private static void CheckStorage(RuleContext c, FieldPath path, string size, string? storageClass, string? accessMode, string? volumeMode, decimal minimum)
    {
        c.Quantity(path.Child("size"), size, minimum, 64 * 1024 * Gi);
        c.Name(path.Child("storageClassName"), storageClass, KubernetesNames.CheckDns1123Subdomain, "rfc1123-subdomain");
        c.OneOf(path.Child("accessMode"), accessMode, AccessModes);
        c.OneOf(path.Child("volumeMode"), volumeMode, VolumeModes);
        if (accessMode == "ReadOnlyMany")
        {
            c.Error(path.Child("accessMode"), "access-mode", "the VM writes to this disk; ReadOnlyMany cannot work");
        }
    }

    private static void CheckImage(RuleContext c, FieldPath path, string? image)
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
            c.Error(SpecPath.Child("ssh").Child("user"), "linux-user", $"{DisplayText.Value(ssh.User)} must be a Linux user name: lower case letters, digits, '_' and '-', starting with a letter or '_', at most 32 characters");
        }
        else if (SystemUsers.Contains(ssh.User))
        {
            c.Error(SpecPath.Child("ssh").Child("user"), "linux-user", $"{DisplayText.Value(ssh.User)} is a system account; choose an admin user name such as azureuser");
        }

        if (ssh.AuthorizedKeys.Count == 0)
        {
            c.Warning(SpecPath.Child("ssh").Child("authorizedKeys"), "no-ssh-key", "no SSH key: the VM will have no way to log in (password login is always off)");
        }

        var bodies = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < ssh.AuthorizedKeys.Count; i++)
        {
            var path = SpecPath.Child("ssh").Child("authorizedKeys").Index(i);
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
        if (!c.OneOf(SpecPath.Child("expose").Child("type"), e.Type, ServiceTypes))
        {
            return;
        }

        var external = e.Type is ExposeTypes.NodePort or ExposeTypes.LoadBalancer;
        if (e.Type == ExposeTypes.None)
        {
            if (e.Ports.Count > 0)
            {
                c.Error(SpecPath.Child("expose").Child("ports"), "expose-none", "ports need a Service; set spec.expose.type to ClusterIP, NodePort or LoadBalancer");
            }

            return;
        }

        c.Range(SpecPath.Child("expose").Child("sshPort"), e.SshPort, 1, 65535);
        CheckNodePort(c, SpecPath.Child("expose").Child("sshNodePort"), e.SshNodePort, external);
        var ports = new Dictionary<(int, string), FieldPath> { [(e.SshPort, "TCP")] = SpecPath.Child("expose").Child("sshPort") };
        var names = new Dictionary<string, FieldPath>(StringComparer.Ordinal) { ["ssh"] = SpecPath.Child("expose").Child("sshPort") };
        for (var i = 0; i < e.Ports.Count; i++)
        {
            var p = e.Ports[i];
            var path = SpecPath.Child("expose").Child("ports").Index(i);
            c.Required(path.Child("name"), p.Name);
            if (p.Name is { } name)
            {
                c.Name(path.Child("name"), name, KubernetesNames.CheckPortName, "port-name");
                if (!names.TryAdd(name, path))
                {
                    c.Error(path.Child("name"), "duplicate-port", $"name {DisplayText.Value(name)} is already used by {names[name]}");
                }
            }

            c.Range(path.Child("port"), p.Port, 1, 65535);
            c.OneOf(path.Child("protocol"), p.Protocol, "TCP", "UDP", "SCTP");
            if (!ports.TryAdd((p.Port, p.Protocol), path))
            {
                c.Error(path.Child("port"), "duplicate-port", $"{p.Port}/{p.Protocol} is already used by {ports[(p.Port, p.Protocol)]}");
            }

            var target = p.TargetPort ?? p.Port;
            if (p.TargetPort is { } tp)
            {
                c.Range(path.Child("targetPort"), tp, 1, 65535);
            }

            // virt-handler uses these for live migration inside the pod; the guest can never receive them.
            if (target is 49152 or 49153)
            {
                c.Error(path.Child(p.TargetPort is null ? "port" : "targetPort"), "migration-port", "guest ports 49152 and 49153 are reserved by KubeVirt for live migration");
            }

            CheckNodePort(c, path.Child("nodePort"), p.NodePort, external);
        }

        c.OneOf(SpecPath.Child("expose").Child("externalTrafficPolicy"), e.ExternalTrafficPolicy, "Cluster", "Local");
        if (e.ExternalTrafficPolicy is not null && !external)
        {
            c.Error(SpecPath.Child("expose").Child("externalTrafficPolicy"), "expose-external", "only applies to NodePort and LoadBalancer");
        }

        for (var i = 0; i < e.LoadBalancerSourceRanges.Count; i++)
        {
            if (!IpAddresses.IsCanonicalCidr(e.LoadBalancerSourceRanges[i]))
            {
                c.Error(SpecPath.Child("expose").Child("loadBalancerSourceRanges").Index(i), "cidr", $"{DisplayText.Value(e.LoadBalancerSourceRanges[i])} is not a CIDR such as 10.0.0.0/8");
            }
        }

        if (e.LoadBalancerSourceRanges.Count > 0 && e.Type != ExposeTypes.LoadBalancer)
        {
            c.Error(SpecPath.Child("expose").Child("loadBalancerSourceRanges"), "expose-external", "only applies to type LoadBalancer");
        }

        foreach (var (key, value) in e.Annotations)
        {
            if (KubernetesNames.CheckQualifiedKey(key) is { } reason)
            {
                c.Error(SpecPath.Child("expose").Child("annotations").Key(key), "annotation-key", $"key {DisplayText.Value(key)}: {reason}");
            }

            c.NoCredential(SpecPath.Child("expose").Child("annotations").Key(key), value, "is written onto the Service");
        }
    }

    private static void CheckNodePort(RuleContext c, FieldPath path, int? nodePort, bool external)
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
