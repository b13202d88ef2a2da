using System.Text;
using k8s;
using k8s.Models;
using KVEdge.Core.Kubernetes;
using KVEdge.Core.Rendering.IotEdge;
using KVEdge.Core.Spec;

namespace KVEdge.Core.Rendering;

/// <summary>
/// Turns a validated <see cref="EdgeDevice"/> into Kubernetes objects. Pure: no I/O, no clock, no randomness,
/// so the same spec always gives the same bytes.
/// </summary>
public static class DeviceRenderer
{
    public static RenderedDevice Render(EdgeDevice device, string defaultNamespace)
    {
        var name = device.Metadata.Name ?? throw new ArgumentException("device has no name; validate before rendering", nameof(device));
        var ns = device.Metadata.Namespace ?? defaultNamespace;
        var names = new ObjectNames(name);
        var spec = device.Spec;
        var hostname = device.VmHostname;
        var objects = new List<IKubernetesObject<V1ObjectMeta>>
        {
            CloudInitSecret(device, ns, names, hostname),
        };

        // The Secret the VM mounts as its credentials disk: the user's, the one rendered here, or none.
        string? credentialsSecret = null;
        if (spec.IotEdge is { } iot)
        {
            credentialsSecret = iot.Credentials.ExistingSecret;
            var credentials = DeviceCredentials.Values(iot);
            if (credentials.Count > 0)
            {
                objects.Add(CredentialsSecret(device, ns, names, credentials));
                credentialsSecret = names.CredentialsSecret;
            }

            objects.Add(ConfigMapFor(device, ns, names));
        }

        if (spec.RootDisk.ContainerDisk is null)
        {
            objects.Add(RootDataVolume(device, ns, names));
        }

        objects.Add(DataDiskVolume(device, ns, names));
        objects.Add(VirtualMachineFor(device, ns, names, hostname, credentialsSecret));
        if (spec.Expose.Type != ExposeTypes.None)
        {
            objects.Add(ServiceFor(device, ns, names));
        }

        return new RenderedDevice(ns, name, objects);
    }

    private static V1ObjectMeta Meta(EdgeDevice device, string ns, string objectName, string role, IDictionary<string, string>? annotations = null)
    {
        var merged = new SortedDictionary<string, string>(device.Metadata.Annotations, StringComparer.Ordinal);
        foreach (var (k, v) in annotations ?? new Dictionary<string, string>())
        {
            merged[k] = v;
        }

        return new V1ObjectMeta
        {
            Name = objectName,
            NamespaceProperty = ns,
            Labels = StandardLabels.For(device.Metadata.Name!, role, device.Metadata.Labels),
            Annotations = merged.Count > 0 ? merged : null,
        };
    }

    private static V1Secret CloudInitSecret(EdgeDevice device, string ns, ObjectNames names, string hostname)
    {
        var userData = CloudInitUserData.Render(device, hostname);
        return new V1Secret
        {
            ApiVersion = "v1",
            Kind = "Secret",
            Metadata = Meta(device, ns, names.CloudInitSecret, Roles.CloudInit),
            Type = "Opaque",
            Data = new SortedDictionary<string, byte[]>(StringComparer.Ordinal)
            {
                // KubeVirt reads the first of "userdata", "userData".
                ["userdata"] = Encoding.UTF8.GetBytes(userData),
            },
        };
    }

    private static V1ConfigMap ConfigMapFor(EdgeDevice device, string ns, ObjectNames names) => new()
    {
        ApiVersion = "v1",
        Kind = "ConfigMap",
        Metadata = Meta(device, ns, names.ConfigMap, Roles.Config),
        Data = GuestConfig.Files(device),
    };

    // Only values given at render time land here; with existingSecret the VM mounts the user's Secret instead.
    private static V1Secret CredentialsSecret(EdgeDevice device, string ns, ObjectNames names, SortedDictionary<string, string> values) => new()
    {
        ApiVersion = "v1",
        Kind = "Secret",
        Metadata = Meta(device, ns, names.CredentialsSecret, Roles.Credentials),
        Type = "Opaque",
        Data = new SortedDictionary<string, byte[]>(values.ToDictionary(kv => kv.Key, kv => Encoding.UTF8.GetBytes(kv.Value)), StringComparer.Ordinal),
    };

    private static DataVolume RootDataVolume(EdgeDevice device, string ns, ObjectNames names)
    {
        var r = device.Spec.RootDisk;
        var dv = new DataVolume
        {
            Metadata = Meta(device, ns, names.RootDisk, Roles.RootDisk),
            Spec = new DataVolumeSpec { Storage = Storage(r.Size, r.StorageClassName, r.AccessMode, r.VolumeMode) },
        };
        if (r.DataSource is { } ds)
        {
            dv.Spec.SourceRef = new DataVolumeSourceRef { Name = ds.Name!, Namespace = ds.Namespace };
        }
        else if (r.Http is { } http)
        {
            dv.Spec.Source = new DataVolumeSource
            {
                Http = new HttpDataSource { Url = http.Url!, SecretRef = http.SecretRef, CertConfigMap = http.CertConfigMap, Checksum = http.Checksum },
            };
        }
        else if (r.Pvc is { } pvc)
        {
            dv.Spec.Source = new DataVolumeSource { Pvc = new PvcDataSource { Name = pvc.Name!, Namespace = pvc.Namespace ?? ns } };
        }
        else
        {
            var reg = r.Registry ?? new RegistrySource { Url = RootDiskSpec.DefaultImage };
            dv.Spec.Source = new DataVolumeSource
            {
                Registry = new RegistryDataSource { Url = reg.Url!, PullMethod = reg.PullMethod, SecretRef = reg.SecretRef, CertConfigMap = reg.CertConfigMap },
            };
        }

        return dv;
    }

    private static DataVolume DataDiskVolume(EdgeDevice device, string ns, ObjectNames names)
    {
        var d = device.Spec.DataDisk;

        // Standalone, with no owner reference: deleting the VM (or `helm uninstall`) must not take EdgeHub's queue with it,
        // nor may a GitOps tool's pruning when the device leaves the fleet.
        var keep = new Dictionary<string, string>(KeepAnnotations.All);
        return new DataVolume
        {
            Metadata = Meta(device, ns, names.DataDisk, Roles.DataDisk, keep),
            Spec = new DataVolumeSpec
            {
                Source = new DataVolumeSource { Blank = new EmptyObject() },
                Storage = Storage(d.Size, d.StorageClassName, d.AccessMode, d.VolumeMode),
            },
        };
    }

    private static StorageSpec Storage(string size, string? storageClass, string? accessMode, string? volumeMode) => new()
    {
        AccessModes = accessMode is null ? null : [accessMode],
        VolumeMode = volumeMode,
        StorageClassName = storageClass,
        Resources = new StorageResources { Requests = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["storage"] = size } },
    };

    private static VirtualMachine VirtualMachineFor(EdgeDevice device, string ns, ObjectNames names, string hostname, string? credentialsSecret)
    {
        var s = device.Spec;
        var name = names.Device;
        var rootVolume = s.RootDisk.ContainerDisk is { } cd
            ? new Volume { Name = "rootdisk", ContainerDisk = new ContainerDiskVolume { Image = cd.Image!, ImagePullPolicy = cd.ImagePullPolicy } }
            : new Volume { Name = "rootdisk", DataVolume = new DataVolumeRef { Name = names.RootDisk } };
        var efi = s.Firmware.Bootloader == "efi";
        var disks = new List<DiskDevice>
        {
            new() { Name = "rootdisk", BootOrder = 1, Disk = new DiskTarget() },
            new() { Name = "datadisk", Serial = DiskSerials.Data, Disk = new DiskTarget() },
            new() { Name = "cloudinitdisk", Disk = new DiskTarget() },
        };
        var volumes = new List<Volume>
        {
            rootVolume,
            new() { Name = "datadisk", DataVolume = new DataVolumeRef { Name = names.DataDisk } },
            new() { Name = "cloudinitdisk", CloudInitNoCloud = new CloudInitNoCloud { SecretRef = new LocalObjectReference { Name = names.CloudInitSecret } } },
        };
        if (s.IotEdge is not null)
        {
            disks.Add(new DiskDevice { Name = "configdisk", Serial = DiskSerials.Config, Disk = new DiskTarget() });
            volumes.Add(new Volume { Name = "configdisk", ConfigMap = new ConfigMapVolume { Name = names.ConfigMap } });
            if (credentialsSecret is not null)
            {
                disks.Add(new DiskDevice { Name = "credentialsdisk", Serial = DiskSerials.Credentials, Disk = new DiskTarget() });
                volumes.Add(new Volume { Name = "credentialsdisk", Secret = new SecretVolume { SecretName = credentialsSecret } });
            }
        }

        // DPS TPM attestation needs the same endorsement key at every start: a persistent vTPM.
        var tpm = s.IotEdge?.Provisioning.Method == ProvisioningMethods.Tpm ? new Tpm { Persistent = true } : null;
        var templateLabels = StandardLabels.For(name, Roles.VirtualMachine, device.Metadata.Labels);

        return new VirtualMachine
        {
            Metadata = Meta(device, ns, names.VirtualMachine, Roles.VirtualMachine, new Dictionary<string, string> { [DeviceAnnotations.SshUser] = device.Spec.Ssh.User }),
            Spec = new VirtualMachineSpec
            {
                RunStrategy = s.RunStrategy,
                Template = new VmiTemplate
                {
                    Metadata = new TemplateMetadata { Labels = templateLabels },
                    Spec = new VmiSpec
                    {
                        Domain = new Domain
                        {
                            Cpu = new Cpu
                            {
                                Cores = s.Cpu.Cores,
                                Sockets = s.Cpu.Sockets,
                                Threads = s.Cpu.Threads,
                                Model = s.Cpu.Model,
                                DedicatedCpuPlacement = s.Cpu.DedicatedCpuPlacement ? true : null,
                            },
                            Memory = new Memory { Guest = s.Memory },
                            Resources = new DomainResources { Requests = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["memory"] = s.Memory } },
                            Firmware = new Firmware
                            {
                                Uuid = s.Firmware.Uuid ?? DeviceIdentity.DeriveUuid(ns, name),
                                Bootloader = efi
                                    ? new Bootloader { Efi = new Efi { SecureBoot = s.Firmware.SecureBoot } }
                                    : new Bootloader { Bios = new EmptyObject() },
                            },
                            Features = efi && s.Firmware.SecureBoot ? new Features { Smm = new FeatureState() } : null,
                            Devices = new Devices
                            {
                                Disks = disks,
                                Interfaces =
                                [
                                    new NetworkInterface
                                    {
                                        Name = "default",
                                        Masquerade = new EmptyObject(),
                                        MacAddress = s.Network.MacAddress ?? DeviceIdentity.DeriveMac(ns, name),
                                        Model = "virtio",
                                    },
                                ],
                                Rng = new EmptyObject(),
                                Tpm = tpm,
                            },
                        },
                        Hostname = hostname,
                        NodeSelector = s.Placement.NodeSelector.Count > 0 ? s.Placement.NodeSelector : null,
                        Tolerations = s.Placement.Tolerations.Count > 0 ? s.Placement.Tolerations : null,
                        Affinity = s.Placement.Affinity,
                        PriorityClassName = s.Placement.PriorityClassName,
                        EvictionStrategy = s.EvictionStrategy,
                        ReadinessProbe = s.IotEdge is null ? null : HealthProbe.Readiness(),
                        Networks = [new Network { Name = "default", Pod = new EmptyObject() }],
                        Volumes = volumes,
                    },
                },
            },
        };
    }

    private static V1Service ServiceFor(EdgeDevice device, string ns, ObjectNames names)
    {
        var e = device.Spec.Expose;
        var external = e.Type is ExposeTypes.NodePort or ExposeTypes.LoadBalancer;
        var ports = new List<V1ServicePort>
        {
            new() { Name = "ssh", Port = e.SshPort, TargetPort = 22, Protocol = "TCP", NodePort = external ? e.SshNodePort : null },
        };
        ports.AddRange(e.Ports.Select(p => new V1ServicePort
        {
            Name = p.Name,
            Port = p.Port,
            TargetPort = p.TargetPort ?? p.Port,
            Protocol = p.Protocol,
            NodePort = external ? p.NodePort : null,
        }));

        return new V1Service
        {
            ApiVersion = "v1",
            Kind = "Service",
            Metadata = Meta(device, ns, names.Service, Roles.Service, e.Annotations),
            Spec = new V1ServiceSpec
            {
                Type = e.Type,
                Selector = StandardLabels.Selector(names.Device),
                Ports = ports,
                ExternalTrafficPolicy = e.ExternalTrafficPolicy,
                LoadBalancerSourceRanges = e.LoadBalancerSourceRanges.Count > 0 ? e.LoadBalancerSourceRanges : null,
            },
        };
    }
}
