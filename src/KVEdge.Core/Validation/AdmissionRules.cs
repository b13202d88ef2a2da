using KVEdge.Core.Diagnostics;
using k8s;
using k8s.Models;
using KVEdge.Core.Kubernetes;

namespace KVEdge.Core.Validation;

/// <summary>
/// The KubeVirt and CDI admission-webhook rules that their JSON schemas cannot express
/// (listed in shared/schemas/SOURCES.md), checked on rendered objects.
/// </summary>
public static class AdmissionRules
{
    private static readonly string[] Buses = ["virtio", "sata", "scsi", "usb"];
    private static readonly string[] ServiceTypes = ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"];

    public static IReadOnlyList<AdmissionViolation> Check(IEnumerable<IKubernetesObject<V1ObjectMeta>> objects)
    {
        var violations = new List<AdmissionViolation>();
        foreach (var o in objects)
        {
            var id = $"{o.Kind}/{o.Metadata?.Name}";
            void Fail(string path, string message) => violations.Add(new AdmissionViolation(id, path, message));
            switch (o)
            {
                case VirtualMachine vm:
                    CheckVirtualMachine(vm, Fail);
                    break;
                case DataVolume dv:
                    CheckDataVolume(dv, Fail);
                    break;
                case V1Service svc:
                    if (svc.Spec?.Type is { } type && !ServiceTypes.Contains(type, StringComparer.Ordinal))
                    {
                        Fail("spec.type", $"Service type {DisplayText.Value(type)} is not one of ClusterIP, NodePort, LoadBalancer, ExternalName");
                    }

                    break;
            }
        }

        return violations;
    }

    private static void CheckVirtualMachine(VirtualMachine vm, Action<string, string> fail)
    {
        if (vm.Spec.RunStrategy is not { } rs)
        {
            fail("spec.runStrategy", "RunStrategy must be specified");
        }
        else if (!DeviceValidator.RunStrategies.Contains(rs, StringComparer.Ordinal))
        {
            fail("spec.runStrategy", $"Invalid RunStrategy ({rs})");
        }

        var spec = vm.Spec.Template.Spec;
        const string TemplateSpec = "spec.template.spec";
        if (spec.EvictionStrategy is { } es && !DeviceValidator.EvictionStrategies.Contains(es, StringComparer.Ordinal))
        {
            fail($"{TemplateSpec}.evictionStrategy", $"{DisplayText.Value(es)} is not a valid evictionStrategy");
        }

        if (spec.Domain.Memory?.Guest is null && (spec.Domain.Resources?.Requests is null || !spec.Domain.Resources.Requests.ContainsKey("memory")))
        {
            fail($"{TemplateSpec}.domain", "no memory requested: set memory.guest or resources.requests.memory");
        }

        if (spec.Hostname is { } host && KubernetesNames.CheckDns1123Label(host) is { } reason)
        {
            fail($"{TemplateSpec}.hostname", $"{DisplayText.Value(host)} {reason}");
        }

        var firmware = spec.Domain.Firmware?.Bootloader;
        if (firmware is { Bios: not null, Efi: not null })
        {
            fail($"{TemplateSpec}.domain.firmware.bootloader", "bios and efi are mutually exclusive");
        }

        if (firmware?.Efi is { SecureBoot: true } && spec.Domain.Features?.Smm is null)
        {
            fail($"{TemplateSpec}.domain.firmware.bootloader.efi", "EFI SecureBoot requires SMM, which is currently disabled");
        }

        var volumeNames = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < spec.Volumes.Count; i++)
        {
            var v = spec.Volumes[i];
            if (!volumeNames.Add(v.Name))
            {
                fail($"{TemplateSpec}.volumes[{i}].name", $"duplicate volume name {DisplayText.Value(v.Name)}");
            }

            var sources = new object?[] { v.ContainerDisk, v.DataVolume, v.CloudInitNoCloud, v.Secret, v.ConfigMap }.Count(s => s is not null);
            if (sources != 1)
            {
                fail($"{TemplateSpec}.volumes[{i}]", $"volume {DisplayText.Value(v.Name)} must have exactly one source, has {sources}");
            }

            if (v.CloudInitNoCloud is { SecretRef: null, NetworkDataSecretRef: null })
            {
                fail($"{TemplateSpec}.volumes[{i}].cloudInitNoCloud", "at least one of user data or network data must be given");
            }
        }

        var diskNames = new HashSet<string>(StringComparer.Ordinal);
        var bootOrders = new HashSet<int>();
        var disks = spec.Domain.Devices.Disks;
        for (var i = 0; i < disks.Count; i++)
        {
            var d = disks[i];
            if (!diskNames.Add(d.Name))
            {
                fail($"{TemplateSpec}.domain.devices.disks[{i}].name", $"duplicate disk name {DisplayText.Value(d.Name)}");
            }

            if (!volumeNames.Contains(d.Name))
            {
                fail($"{TemplateSpec}.domain.devices.disks[{i}].name", $"disk {DisplayText.Value(d.Name)} not found among the volumes");
            }

            if (d.Disk?.Bus is { } bus && !Buses.Contains(bus, StringComparer.Ordinal))
            {
                fail($"{TemplateSpec}.domain.devices.disks[{i}].disk.bus", $"bus {DisplayText.Value(bus)} is not supported (virtio, sata, scsi, usb)");
            }

            if (d.BootOrder is { } order && (order < 1 || !bootOrders.Add(order)))
            {
                fail($"{TemplateSpec}.domain.devices.disks[{i}].bootOrder", $"bootOrder {order} must be positive and unique");
            }
        }

        foreach (var name in volumeNames.Where(n => !diskNames.Contains(n)))
        {
            fail($"{TemplateSpec}.volumes", $"volume {DisplayText.Value(name)} has no matching disk");
        }

        var networks = spec.Networks.Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < spec.Domain.Devices.Interfaces.Count; i++)
        {
            var iface = spec.Domain.Devices.Interfaces[i];
            if (!networks.Contains(iface.Name))
            {
                fail($"{TemplateSpec}.domain.devices.interfaces[{i}].name", $"interface {DisplayText.Value(iface.Name)} has no matching network");
            }

            if (iface.MacAddress is { } mac && MacAddress.Check(mac) is { } macReason)
            {
                fail($"{TemplateSpec}.domain.devices.interfaces[{i}].macAddress", $"{DisplayText.Value(mac)} {macReason}");
            }
        }
    }

    private static void CheckDataVolume(DataVolume dv, Action<string, string> fail)
    {
        if ((dv.Metadata.Name?.Length ?? 0) > 253)
        {
            fail("metadata.name", "must be no more than 253 characters");
        }

        var src = dv.Spec.Source;
        var count = src is null ? 0 : new object?[] { src.Blank, src.Http, src.Registry, src.Pvc }.Count(s => s is not null);
        if (dv.Spec.SourceRef is not null)
        {
            count++;
        }

        if (count != 1)
        {
            fail("spec.source", $"exactly one source (or sourceRef) is required, found {count}");
        }

        if (src?.Http?.Url is { } url && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https" or "gs")))
        {
            fail("spec.source.http.url", $"{DisplayText.Value(url)} must be an http, https or gs URL");
        }

        if (src?.Registry?.Url is { } reg && !reg.StartsWith("docker://", StringComparison.Ordinal) && !reg.StartsWith("oci-archive://", StringComparison.Ordinal))
        {
            fail("spec.source.registry.url", $"{DisplayText.Value(reg)} must start with docker:// or oci-archive://");
        }

        if (!dv.Spec.Storage.Resources.Requests.TryGetValue("storage", out var size) || Quantities.TryParse(size) is not { } bytes || bytes < 1 << 20)
        {
            fail("spec.storage.resources.requests.storage", "a storage size of at least 1Mi is required");
        }
    }
}
