using System.Text.Json.Nodes;
using KVEdge.Core.Spec;

using KVEdge.Core.Kube;

namespace KVEdge.Core.Actions;

/// <summary>
/// `kvedge preflight`: what a cluster needs before devices can run, checked read-only. KubeVirt and CDI installed (and
/// not older than the versions kvedge is tested with), hardware virtualization on a node or emulation turned on, a
/// default storage class (and ReadWriteMany when a device asks for live migration), a load balancer when a device asks
/// for one, and the RBAC permissions install needs (SelfSubjectAccessReview).
/// </summary>
public sealed class PreflightAction(IClusterClient cluster)
{
    public static readonly Version MinKubeVirt = new(1, 5);
    public static readonly Version MinCdi = new(1, 60);

    private static readonly (string Verb, string Group, string Resource, string? Sub)[] Permissions =
    [
        // Server-side apply that creates an object is authorised as a create as well as a patch (apiserver handlers/patch.go).
        ("get", "", "secrets", null), ("create", "", "secrets", null), ("patch", "", "secrets", null), ("delete", "", "secrets", null), ("list", "", "secrets", null),
        ("get", "", "configmaps", null), ("create", "", "configmaps", null), ("patch", "", "configmaps", null), ("delete", "", "configmaps", null), ("list", "", "configmaps", null),
        ("get", "", "services", null), ("create", "", "services", null), ("patch", "", "services", null), ("delete", "", "services", null), ("list", "", "services", null),
        ("get", "cdi.kubevirt.io", "datavolumes", null), ("create", "cdi.kubevirt.io", "datavolumes", null), ("patch", "cdi.kubevirt.io", "datavolumes", null), ("delete", "cdi.kubevirt.io", "datavolumes", null),
        ("list", "cdi.kubevirt.io", "datavolumes", null), ("watch", "cdi.kubevirt.io", "datavolumes", null),
        ("get", "kubevirt.io", "virtualmachines", null), ("create", "kubevirt.io", "virtualmachines", null), ("patch", "kubevirt.io", "virtualmachines", null), ("delete", "kubevirt.io", "virtualmachines", null),
        ("list", "kubevirt.io", "virtualmachines", null), ("watch", "kubevirt.io", "virtualmachines", null),
        ("list", "kubevirt.io", "virtualmachineinstances", null), ("watch", "kubevirt.io", "virtualmachineinstances", null),
        ("update", "subresources.kubevirt.io", "virtualmachines", "restart"),
        // uninstall keeps a DPS TPM device's vTPM state: it drops the VM's owner reference from KubeVirt's PVC.
        ("list", "", "persistentvolumeclaims", null), ("patch", "", "persistentvolumeclaims", null), ("delete", "", "persistentvolumeclaims", null),
    ];

    /// <summary>KubeVirt's persistent vTPM (DPS TPM provisioning) needs this gate before v1.6; GA (always on) from v1.6.0
    /// (kubevirt/kubevirt pkg/virt-config/featuregate/inactive.go).</summary>
    public const string PersistentStateGate = "VMPersistentState";

    private static readonly Version PersistentStateGa = new(1, 6);

    /// <summary>CDI's default class for virtualization, picked before the Kubernetes default (CDI pkg/controller/common/util.go).</summary>
    public const string VirtDefaultClassAnnotation = "storageclass.kubevirt.io/is-default-virt-class";

    /// <summary>Every check, whole; the result's failure names the checks that failed.</summary>
    public async Task<PreflightResult> RunAsync(PreflightOptions options, CancellationToken ct)
    {
        var checks = await RunAsync(options.Namespace, options.Devices, ct).ConfigureAwait(false);
        var failed = checks.Where(c => c.Result == CheckResult.Fail).Select(c => c.Name).ToList();
        return new PreflightResult(checks, failed.Count == 0 ? null : new ActionFailure(FailureKind.Failed, $"failed: {string.Join(", ", failed)}"));
    }

    /// <param name="ns">The namespace of devices whose metadata names none (and the one checked when no spec is given).</param>
    public async Task<IReadOnlyList<PreflightCheck>> RunAsync(string ns, IReadOnlyList<EdgeDevice> devices, CancellationToken ct)
    {
        var checks = new List<PreflightCheck>();
        var (kubevirts, kubevirtProblem) = await TryListAsync(ClusterResource.KubeVirt, ct).ConfigureAwait(false);
        var kubevirt = kubevirts is [var kv, ..] ? kv : null;
        checks.Add(kubevirtProblem is null ? Installed("KubeVirt", kubevirt, "observedKubeVirtVersion", MinKubeVirt) : Unreadable("KubeVirt", "the KubeVirt CR", kubevirtProblem));
        var (cdis, cdiProblem) = await TryListAsync(ClusterResource.Cdi, ct).ConfigureAwait(false);
        checks.Add(cdiProblem is null ? Installed("CDI", cdis is [var c, ..] ? c : null, "observedVersion", MinCdi) : Unreadable("CDI", "the CDI CR", cdiProblem));

        var (nodes, nodeProblem) = await TryListAsync(ClusterResource.Node, ct).ConfigureAwait(false);
        // KubeVirt's device plugin advertises a quantity ("1k"); any non-zero amount means /dev/kvm is there.
        var kvmNodes = nodes.Where(n => n["status"]?["allocatable"]?["devices.kubevirt.io/kvm"]?.GetValue<string>() is { } amount && amount.TrimStart('0').Length > 0)
            .Select(n => n["metadata"]!["name"]!.GetValue<string>()).ToList();
        var emulation = kubevirt?["spec"]?["configuration"]?["developerConfiguration"]?["useEmulation"]?.GetValue<bool>() == true;
        checks.Add(nodeProblem is not null ? Unreadable("virtualization", "the nodes", nodeProblem)
            : kvmNodes.Count > 0
            ? new PreflightCheck("virtualization", CheckResult.Pass, $"/dev/kvm on {kvmNodes.Count} of {nodes.Count} node(s): {string.Join(", ", kvmNodes)}")
            : emulation
                ? new PreflightCheck("virtualization", CheckResult.Warn, "no node offers /dev/kvm; KubeVirt emulation (useEmulation) is on, so VMs run, slowly")
                : new PreflightCheck("virtualization", CheckResult.Fail, "no node offers devices.kubevirt.io/kvm and emulation is off: VMs cannot start (enable hardware virtualization, or set useEmulation for a test cluster)"));

        var (classes, classProblem) = await TryListAsync(ClusterResource.StorageClass, ct).ConfigureAwait(false);
        var virtDefault = classes.FirstOrDefault(c => c["metadata"]?["annotations"]?[VirtDefaultClassAnnotation]?.GetValue<string>() == "true");
        var defaultClass = virtDefault ?? classes.FirstOrDefault(c => c["metadata"]?["annotations"]?["storageclass.kubernetes.io/is-default-class"]?.GetValue<string>() == "true");
        var named = devices.SelectMany(d => new[] { d.Spec.RootDisk.StorageClassName, d.Spec.DataDisk.StorageClassName }).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        var missing = named.Where(n => classes.All(c => c["metadata"]?["name"]?.GetValue<string>() != n)).ToList();
        if (classProblem is not null)
        {
            checks.Add(Unreadable("storage class", "the storage classes", classProblem));
        }
        else if (missing.Count > 0)
        {
            checks.Add(new PreflightCheck("storage class", CheckResult.Fail, $"named in the spec but not in the cluster: {string.Join(", ", missing)}"));
        }
        else if (defaultClass is not null)
        {
            checks.Add(new PreflightCheck("storage class", CheckResult.Pass, virtDefault is null
                ? $"default: {defaultClass["metadata"]!["name"]}"
                : $"default for virtualization: {virtDefault["metadata"]!["name"]} ({VirtDefaultClassAnnotation}, which CDI prefers to the cluster's default)"));
        }
        else
        {
            var needsDefault = devices.Count == 0 || devices.Any(d => d.Spec.RootDisk.StorageClassName is null || d.Spec.DataDisk.StorageClassName is null);
            checks.Add(new PreflightCheck("storage class", needsDefault ? CheckResult.Fail : CheckResult.Pass,
                needsDefault ? "no default storage class, and a disk names none: its DataVolume would stay Pending" : "every disk names its class"));
        }

        var migrating = devices.Where(d => d.Spec.EvictionStrategy == "LiveMigrate").ToList();
        if (migrating.Count > 0)
        {
            var (profiles, profileProblem) = await TryListAsync(ClusterResource.StorageProfile, ct).ConfigureAwait(false);
            var defaultName = defaultClass?["metadata"]?["name"]?.GetValue<string>();
            // A containerDisk root lives in the pod and migrates with it; every PVC-backed disk needs ReadWriteMany.
            var needed = migrating
                .SelectMany(d => d.Spec.RootDisk.ContainerDisk is null
                    ? new[] { d.Spec.RootDisk.StorageClassName, d.Spec.DataDisk.StorageClassName }
                    : [d.Spec.DataDisk.StorageClassName])
                .Select(c => c ?? defaultName ?? "(no default class)")
                .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            var withoutRwx = needed.Where(className => profiles
                .FirstOrDefault(p => p["metadata"]?["name"]?.GetValue<string>() == className)?["status"]?["claimPropertySets"]?.AsArray()
                .Any(set => set?["accessModes"]?.AsArray().Any(m => m?.GetValue<string>() == "ReadWriteMany") == true) != true).ToList();
            checks.Add(profileProblem is not null ? Unreadable("live migration storage", "CDI's StorageProfiles", profileProblem)
                : withoutRwx.Count == 0
                ? new PreflightCheck("live migration storage", CheckResult.Pass, $"ReadWriteMany offered by {string.Join(", ", needed)}")
                : new PreflightCheck("live migration storage", CheckResult.Fail,
                    $"live migration needs ReadWriteMany disks; the CDI StorageProfile of {string.Join(", ", withoutRwx)} offers none"));
        }

        if (devices.Any(d => d.Spec.IotEdge?.Provisioning?.Method == ProvisioningMethods.Tpm))
        {
            checks.Add(PersistentState(kubevirt));
        }

        if (devices.Any(d => d.Spec.Expose.Type == ExposeTypes.LoadBalancer))
        {
            var (services, serviceProblem) = await TryListAsync(ClusterResource.Service, ct).ConfigureAwait(false);
            var served = services.Any(s => s["spec"]?["type"]?.GetValue<string>() == ExposeTypes.LoadBalancer && s["status"]?["loadBalancer"]?["ingress"] is JsonArray { Count: > 0 });
            checks.Add(serviceProblem is not null ? Unreadable("load balancer", "Services across namespaces", serviceProblem)
                : new PreflightCheck("load balancer", served ? CheckResult.Pass : CheckResult.Warn,
                served ? "a Service of type LoadBalancer has an address" : "no Service of type LoadBalancer has an address yet; is a load balancer (MetalLB, a cloud's) installed?"));
        }

        var namespaces = devices.Count == 0
            ? [ns]
            : devices.Select(d => d.Metadata.Namespace ?? ns).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var deniedByNamespace = new List<string>();
        foreach (var target in namespaces)
        {
            var denied = new List<string>();
            foreach (var (verb, group, resource, sub) in Permissions)
            {
                if (!await cluster.CanIAsync(verb, group, resource, sub, target, ct).ConfigureAwait(false))
                {
                    denied.Add($"{verb} {(group.Length == 0 ? "" : group + "/")}{resource}{(sub is null ? "" : "/" + sub)}");
                }
            }

            if (denied.Count > 0)
            {
                deniedByNamespace.Add($"not allowed in namespace {target}: {string.Join(", ", denied)}");
            }
        }

        var where = namespaces.Count == 1 ? $"namespace {namespaces[0]}" : $"namespaces {string.Join(", ", namespaces)}";
        checks.Add(deniedByNamespace.Count == 0
            ? new PreflightCheck("permissions", CheckResult.Pass, $"everything install, status, uninstall and restart need in {where}")
            : new PreflightCheck("permissions", CheckResult.Fail, string.Join("; ", deniedByNamespace)));
        return checks;
    }

    /// <summary>A cluster-wide list, or why it could not be read: 403 (a namespace-scoped user) or 404 (the API, i.e. the
    /// CRD, is not there). Preflight goes on either way: a full table is what it is for.</summary>
    private async Task<(IReadOnlyList<JsonObject> Items, ClusterApiException? Problem)> TryListAsync(ClusterResource resource, CancellationToken ct)
    {
        try
        {
            return ((await cluster.ListAsync(resource, null, null, null, ct).ConfigureAwait(false)).Items, null);
        }
        catch (ClusterApiException ex) when (ex.Status is System.Net.HttpStatusCode.Forbidden or System.Net.HttpStatusCode.NotFound)
        {
            return ([], ex);
        }
    }

    private static PreflightCheck Unreadable(string name, string what, ClusterApiException problem) =>
        problem.Status == System.Net.HttpStatusCode.NotFound
            ? new PreflightCheck(name, CheckResult.Fail, name is "KubeVirt" or "CDI"
                ? $"{name} is not installed: the cluster does not serve its API (no {name} CRDs)"
                : $"the cluster does not serve the API for {what} (a CRD is missing)")
            : new PreflightCheck(name, CheckResult.Warn, $"cannot read {what}: forbidden for this user (a namespace-scoped role?); not checked. An administrator can run kvedge preflight");

    private static PreflightCheck PersistentState(JsonObject? kubevirt)
    {
        var developer = kubevirt?["spec"]?["configuration"]?["developerConfiguration"];
        bool Lists(string field) => developer?[field]?.AsArray().Any(g => g?.GetValue<string>() == PersistentStateGate) == true;
        const string Name = "persistent vTPM";
        var text = kubevirt?["status"]?["observedKubeVirtVersion"]?.GetValue<string>() ?? "";
        if (Version.TryParse(text.TrimStart('v').Split('-')[0], out var version) && version >= PersistentStateGa)
        {
            return new PreflightCheck(Name, CheckResult.Pass, $"{PersistentStateGate} is GA in KubeVirt {text}: every persistent vTPM keeps its state");
        }

        if (Lists("disabledFeatureGates"))
        {
            return new PreflightCheck(Name, CheckResult.Fail, $"DPS TPM provisioning needs a persistent vTPM, and the KubeVirt CR disables the {PersistentStateGate} feature gate");
        }

        if (Lists("featureGates"))
        {
            return new PreflightCheck(Name, CheckResult.Pass, $"{PersistentStateGate} is enabled");
        }

        var advice = $"add {PersistentStateGate} to the KubeVirt CR's spec.configuration.developerConfiguration.featureGates";
        return new PreflightCheck(Name, CheckResult.Fail,
            $"DPS TPM provisioning needs a persistent vTPM: {advice} (a feature gate before KubeVirt v1.6, off unless listed; {(text.Length == 0 ? "the KubeVirt version is unknown" : $"this is {text}")})");
    }

    private static PreflightCheck Installed(string name, JsonObject? cr, string versionField, Version minimum)
    {
        if (cr is null)
        {
            return new PreflightCheck(name, CheckResult.Fail, $"{name} is not installed (no {name} custom resource)");
        }

        var phase = cr["status"]?["phase"]?.GetValue<string>() ?? "Unknown";
        var text = cr["status"]?[versionField]?.GetValue<string>() ?? "";
        if (phase != "Deployed")
        {
            return new PreflightCheck(name, CheckResult.Fail, $"{name} {text} is {phase}, not Deployed");
        }

        return Version.TryParse(text.TrimStart('v').Split('-')[0], out var version) && version < minimum
            ? new PreflightCheck(name, CheckResult.Warn, $"{name} {text} is older than {minimum}, the oldest kvedge is tested with")
            : new PreflightCheck(name, CheckResult.Pass, $"{name} {text} Deployed");
    }
}
