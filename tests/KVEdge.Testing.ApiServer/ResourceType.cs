namespace KVEdge.Testing.ApiServer;

/// <summary>A REST resource the contract server serves, as API discovery would describe it.</summary>
public sealed record ResourceType(string Group, string Version, string Plural, string Kind, bool Namespaced, bool HasStatus)
{
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    public string Key => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    /// <summary>A type the API server itself serves (core, apps, the *.k8s.io groups), not a custom resource's.</summary>
    public bool IsBuiltIn => Group.Length == 0 || Group == "apps" || Group.EndsWith(".k8s.io", StringComparison.Ordinal);

    public static readonly ResourceType Secret = new("", "v1", "secrets", "Secret", true, false);
    public static readonly ResourceType ConfigMap = new("", "v1", "configmaps", "ConfigMap", true, false);
    public static readonly ResourceType Service = new("", "v1", "services", "Service", true, true);
    public static readonly ResourceType Node = new("", "v1", "nodes", "Node", false, true);
    public static readonly ResourceType PersistentVolumeClaim = new("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", true, true);
    public static readonly ResourceType Namespace = new("", "v1", "namespaces", "Namespace", false, true);
    public static readonly ResourceType StorageClass = new("storage.k8s.io", "v1", "storageclasses", "StorageClass", false, false);
    public static readonly ResourceType DataVolume = new("cdi.kubevirt.io", "v1beta1", "datavolumes", "DataVolume", true, true);
    public static readonly ResourceType StorageProfile = new("cdi.kubevirt.io", "v1beta1", "storageprofiles", "StorageProfile", false, true);
    public static readonly ResourceType Cdi = new("cdi.kubevirt.io", "v1beta1", "cdis", "CDI", false, true);
    public static readonly ResourceType VirtualMachine = new("kubevirt.io", "v1", "virtualmachines", "VirtualMachine", true, true);
    public static readonly ResourceType VirtualMachineInstance = new("kubevirt.io", "v1", "virtualmachineinstances", "VirtualMachineInstance", true, true);
    public static readonly ResourceType KubeVirt = new("kubevirt.io", "v1", "kubevirts", "KubeVirt", true, true);
    public static readonly ResourceType EndpointSlice = new("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", true, false);
    public static readonly ResourceType Pod = new("", "v1", "pods", "Pod", true, true);
    public static readonly ResourceType CustomResourceDefinition = new("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false, true);
    public static readonly ResourceType Lease = new("coordination.k8s.io", "v1", "leases", "Lease", true, false);
    public static readonly ResourceType Event = new("events.k8s.io", "v1", "events", "Event", true, false);
    public static readonly ResourceType ServiceAccount = new("", "v1", "serviceaccounts", "ServiceAccount", true, false);
    public static readonly ResourceType Deployment = new("apps", "v1", "deployments", "Deployment", true, true);
    public static readonly ResourceType Role = new("rbac.authorization.k8s.io", "v1", "roles", "Role", true, false);
    public static readonly ResourceType RoleBinding = new("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true, false);
    public static readonly ResourceType ClusterRole = new("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false, false);
    public static readonly ResourceType ClusterRoleBinding = new("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false, false);

    public static readonly IReadOnlyList<ResourceType> All =
        [Secret, ConfigMap, Service, Node, PersistentVolumeClaim, Namespace, StorageClass, DataVolume, StorageProfile, Cdi, VirtualMachine, VirtualMachineInstance, KubeVirt, EndpointSlice, Pod,
            CustomResourceDefinition, Lease, Event, ServiceAccount, Deployment, Role, RoleBinding, ClusterRole, ClusterRoleBinding];

    public static ResourceType? Find(string group, string version, string plural) =>
        All.FirstOrDefault(r => r.Group == group && r.Version == version && r.Plural == plural);
}
