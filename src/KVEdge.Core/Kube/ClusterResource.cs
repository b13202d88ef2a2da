namespace KVEdge.Core.Kube;

/// <summary>A Kubernetes resource kvedge reads or writes, as API discovery names it.</summary>
public sealed record ClusterResource(string Group, string Version, string Plural, string Kind, bool Namespaced)
{
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>kubectl's name for it in change sets: "secret", "virtualmachine.kubevirt.io".</summary>
    public string DisplayName => Group.Length == 0 ? Kind.ToLowerInvariant() : $"{Kind.ToLowerInvariant()}.{Group}";

    /// <summary>The REST path of the collection: /api/v1/namespaces/NS/secrets, /apis/kubevirt.io/v1/namespaces/NS/virtualmachines.</summary>
    public string CollectionPath(string? ns)
    {
        var root = Group.Length == 0 ? $"/api/{Version}" : $"/apis/{Group}/{Version}";
        return Namespaced && ns is not null ? $"{root}/namespaces/{Uri.EscapeDataString(ns)}/{Plural}" : $"{root}/{Plural}";
    }

    public static readonly ClusterResource Secret = new("", "v1", "secrets", "Secret", true);
    public static readonly ClusterResource ConfigMap = new("", "v1", "configmaps", "ConfigMap", true);
    public static readonly ClusterResource Service = new("", "v1", "services", "Service", true);
    public static readonly ClusterResource Node = new("", "v1", "nodes", "Node", false);
    public static readonly ClusterResource PersistentVolumeClaim = new("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", true);
    public static readonly ClusterResource StorageClass = new("storage.k8s.io", "v1", "storageclasses", "StorageClass", false);
    public static readonly ClusterResource DataVolume = new("cdi.kubevirt.io", "v1beta1", "datavolumes", "DataVolume", true);
    public static readonly ClusterResource StorageProfile = new("cdi.kubevirt.io", "v1beta1", "storageprofiles", "StorageProfile", false);
    public static readonly ClusterResource Cdi = new("cdi.kubevirt.io", "v1beta1", "cdis", "CDI", false);
    public static readonly ClusterResource VirtualMachine = new("kubevirt.io", "v1", "virtualmachines", "VirtualMachine", true);
    public static readonly ClusterResource VirtualMachineInstance = new("kubevirt.io", "v1", "virtualmachineinstances", "VirtualMachineInstance", true);
    public static readonly ClusterResource KubeVirt = new("kubevirt.io", "v1", "kubevirts", "KubeVirt", true);

    /// <summary>A Service's endpoints, each with conditions.ready (kubernetes.io/docs/concepts/services-networking/endpoint-slices).</summary>
    public static readonly ClusterResource EndpointSlice = new("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", true);

    /// <summary>A VMI's virt-launcher pod: readable by a namespace-scoped user, it says which node's address
    /// (status.hostIP) serves a NodePort when nodes may not be listed.</summary>
    public static readonly ClusterResource Pod = new("", "v1", "pods", "Pod", true);

    /// <summary>The EdgeDevice custom resource (kvedge's CRD, edgedevices.kvedge.io).</summary>
    public static readonly ClusterResource EdgeDevice = new("kvedge.io", "v1alpha1", "edgedevices", "EdgeDevice", true);

    /// <summary>How the operator rolls changes to the EdgeDevices it selects (rolloutpolicies.kvedge.io).</summary>
    public static readonly ClusterResource RolloutPolicy = new("kvedge.io", "v1alpha1", "rolloutpolicies", "RolloutPolicy", true);

    /// <summary>The operator's leader-election lock.</summary>
    public static readonly ClusterResource Lease = new("coordination.k8s.io", "v1", "leases", "Lease", true);

    /// <summary>Events about an EdgeDevice (events.k8s.io/v1, what `kubectl events` and `kubectl describe` show).</summary>
    public static readonly ClusterResource Event = new("events.k8s.io", "v1", "events", "Event", true);

    /// <summary>The kinds the renderer produces, in the order install applies them (and uninstall deletes them, reversed).</summary>
    public static readonly IReadOnlyList<ClusterResource> Rendered = [Secret, ConfigMap, DataVolume, VirtualMachine, Service];

    public static ClusterResource ForKind(string apiVersion, string kind) =>
        Rendered.FirstOrDefault(r => r.ApiVersion == apiVersion && r.Kind == kind)
        ?? throw new ArgumentException($"kvedge does not apply {apiVersion} {kind}");
}
