using k8s;
using k8s.Models;

namespace KVEdge.Core.Kubernetes;

/// <summary>The subset of kubevirt.io/v1 VirtualMachine that kvedge renders. Field names follow the KubeVirt API exactly.</summary>
[KubernetesEntity(Group = "kubevirt.io", ApiVersion = "v1", Kind = "VirtualMachine", PluralName = "virtualmachines")]
public sealed class VirtualMachine : IKubernetesObject<V1ObjectMeta>
{
    public string ApiVersion { get; set; } = "kubevirt.io/v1";

    public string Kind { get; set; } = "VirtualMachine";

    public V1ObjectMeta Metadata { get; set; } = new();

    public VirtualMachineSpec Spec { get; set; } = new();
}

public sealed class VirtualMachineSpec
{
    public string? RunStrategy { get; set; }

    public VmiTemplate Template { get; set; } = new();
}

public sealed class VmiTemplate
{
    public TemplateMetadata Metadata { get; set; } = new();

    public VmiSpec Spec { get; set; } = new();
}

public sealed class TemplateMetadata
{
    public IDictionary<string, string>? Annotations { get; set; }

    public IDictionary<string, string>? Labels { get; set; }
}

public sealed class VmiSpec
{
    public Domain Domain { get; set; } = new();

    public string? Hostname { get; set; }

    public IDictionary<string, string>? NodeSelector { get; set; }

    public IList<V1Toleration>? Tolerations { get; set; }

    public V1Affinity? Affinity { get; set; }

    public string? PriorityClassName { get; set; }

    public string? EvictionStrategy { get; set; }

    public long? TerminationGracePeriodSeconds { get; set; }

    public IList<Network> Networks { get; set; } = [];

    public IList<Volume> Volumes { get; set; } = [];
}

public sealed class Domain
{
    public Cpu? Cpu { get; set; }

    public Memory? Memory { get; set; }

    public DomainResources? Resources { get; set; }

    public Firmware? Firmware { get; set; }

    public Features? Features { get; set; }

    public Devices Devices { get; set; } = new();
}

public sealed class Cpu
{
    public int Cores { get; set; }

    public int Sockets { get; set; }

    public int Threads { get; set; }

    public string? Model { get; set; }

    public bool? DedicatedCpuPlacement { get; set; }
}

public sealed class Memory
{
    public string? Guest { get; set; }
}

public sealed class DomainResources
{
    public IDictionary<string, string>? Requests { get; set; }
}

public sealed class Firmware
{
    public string? Uuid { get; set; }

    public Bootloader? Bootloader { get; set; }
}

public sealed class Bootloader
{
    public EmptyObject? Bios { get; set; }

    public Efi? Efi { get; set; }
}

public sealed class Efi
{
    public bool SecureBoot { get; set; }
}

public sealed class Features
{
    public FeatureState? Smm { get; set; }
}

/// <summary>KubeVirt feature toggle; an empty object means enabled.</summary>
public sealed class FeatureState
{
    public bool? Enabled { get; set; }
}

public sealed class Devices
{
    public IList<DiskDevice> Disks { get; set; } = [];

    public IList<NetworkInterface> Interfaces { get; set; } = [];

    public EmptyObject? Rng { get; set; }

    public Tpm? Tpm { get; set; }
}

public sealed class Tpm
{
    public bool? Persistent { get; set; }
}

public sealed class DiskDevice
{
    public string Name { get; set; } = "";

    public int? BootOrder { get; set; }

    public string? Serial { get; set; }

    public DiskTarget? Disk { get; set; }
}

public sealed class DiskTarget
{
    /// <summary>Always virtio: KubeVirt's amd64 default (sata) is invisible to cloud kernels.</summary>
    public string Bus { get; set; } = "virtio";

    public bool? Readonly { get; set; }
}

public sealed class NetworkInterface
{
    public string Name { get; set; } = "";

    public EmptyObject? Masquerade { get; set; }

    public string? MacAddress { get; set; }

    public string? Model { get; set; }
}

public sealed class Network
{
    public string Name { get; set; } = "";

    public EmptyObject? Pod { get; set; }
}

public sealed class Volume
{
    public string Name { get; set; } = "";

    public ContainerDiskVolume? ContainerDisk { get; set; }

    public DataVolumeRef? DataVolume { get; set; }

    public CloudInitNoCloud? CloudInitNoCloud { get; set; }

    public SecretVolume? Secret { get; set; }

    public ConfigMapVolume? ConfigMap { get; set; }
}

public sealed class ContainerDiskVolume
{
    public string Image { get; set; } = "";

    public string? ImagePullPolicy { get; set; }
}

public sealed class DataVolumeRef
{
    public string Name { get; set; } = "";
}

public sealed class CloudInitNoCloud
{
    /// <summary>The JSON name is <c>secretRef</c>, not the Go field name <c>userDataSecretRef</c>.</summary>
    public LocalObjectReference? SecretRef { get; set; }

    public LocalObjectReference? NetworkDataSecretRef { get; set; }
}

public sealed class SecretVolume
{
    public string SecretName { get; set; } = "";

    public string? VolumeLabel { get; set; }
}

public sealed class ConfigMapVolume
{
    public string Name { get; set; } = "";

    public string? VolumeLabel { get; set; }
}

public sealed class LocalObjectReference
{
    public string Name { get; set; } = "";
}

/// <summary>Serializes as <c>{}</c>: KubeVirt's marker objects (masquerade, pod, bios) must never be null.</summary>
public sealed class EmptyObject;
