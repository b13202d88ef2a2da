using k8s.Models;
using KVEdge.Core.Actions;
using KVEdge.Core.Input;
using KVEdge.Core.Kubernetes;
using KVEdge.Core.Validation;
using KVEdge.Testing;

namespace KVEdge.Core.Tests.Validation;

/// <summary>Each webhook-only rule from shared/schemas/SOURCES.md fires on an object that breaks it.</summary>
public class AdmissionRulesTests
{
    private static VirtualMachine RenderedVm()
    {
        var result = TemplateAction.Run([new InputFile("t.yaml", Specs.Minimal())], [], "default");
        Assert.False(result.Diagnostics.HasErrors, string.Join("\n", result.Diagnostics.Items));
        return result.Devices[0].Objects.OfType<VirtualMachine>().Single();
    }

    private static DataVolume RenderedDataDisk() =>
        TemplateAction.Run([new InputFile("t.yaml", Specs.Minimal())], [], "default").Devices[0].Objects.OfType<DataVolume>().Last();

    private static string Only(params k8s.IKubernetesObject<V1ObjectMeta>[] objects) =>
        string.Join("\n", AdmissionRules.Check(objects).Select(v => $"{v.Path}: {v.Message}"));

    [Fact]
    public void Rendered_objects_pass() => Assert.Empty(Only(RenderedVm(), RenderedDataDisk()));

    [Fact]
    public void Run_strategy_must_be_set_and_valid()
    {
        var vm = RenderedVm();
        vm.Spec.RunStrategy = null;
        Assert.Contains("RunStrategy must be specified", Only(vm), StringComparison.Ordinal);
        vm.Spec.RunStrategy = "always";
        Assert.Contains("Invalid RunStrategy (always)", Only(vm), StringComparison.Ordinal);
    }

    [Fact]
    public void Disks_and_volumes_must_pair_by_name()
    {
        var vm = RenderedVm();
        vm.Spec.Template.Spec.Domain.Devices.Disks[1].Name = "datadsk";
        var text = Only(vm);
        Assert.Contains("disk 'datadsk' not found among the volumes", text, StringComparison.Ordinal);
        Assert.Contains("volume 'datadisk' has no matching disk", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Bus_must_be_one_kubevirt_supports()
    {
        var vm = RenderedVm();
        vm.Spec.Template.Spec.Domain.Devices.Disks[0].Disk!.Bus = "ide";
        Assert.Contains("bus 'ide' is not supported", Only(vm), StringComparison.Ordinal);
    }

    [Fact]
    public void Boot_order_must_be_unique()
    {
        var vm = RenderedVm();
        vm.Spec.Template.Spec.Domain.Devices.Disks[1].BootOrder = 1;
        Assert.Contains("bootOrder 1 must be positive and unique", Only(vm), StringComparison.Ordinal);
    }

    [Fact]
    public void Interfaces_and_networks_must_pair()
    {
        var vm = RenderedVm();
        vm.Spec.Template.Spec.Networks[0].Name = "pod";
        Assert.Contains("interface 'default' has no matching network", Only(vm), StringComparison.Ordinal);
    }

    [Fact]
    public void Secure_boot_needs_smm()
    {
        var vm = RenderedVm();
        vm.Spec.Template.Spec.Domain.Firmware!.Bootloader = new Bootloader { Efi = new Efi { SecureBoot = true } };
        Assert.Contains("SecureBoot requires SMM", Only(vm), StringComparison.Ordinal);
        vm.Spec.Template.Spec.Domain.Features = new Features { Smm = new FeatureState() };
        Assert.Empty(Only(vm));
    }

    [Fact]
    public void A_volume_has_exactly_one_source()
    {
        var vm = RenderedVm();
        vm.Spec.Template.Spec.Volumes[0].ContainerDisk = new ContainerDiskVolume { Image = "quay.io/a/b:1" };
        Assert.Contains("must have exactly one source, has 2", Only(vm), StringComparison.Ordinal);
    }

    [Fact]
    public void Memory_must_be_requested()
    {
        var vm = RenderedVm();
        vm.Spec.Template.Spec.Domain.Memory = null;
        vm.Spec.Template.Spec.Domain.Resources = null;
        Assert.Contains("no memory requested", Only(vm), StringComparison.Ordinal);
    }

    [Fact]
    public void Eviction_strategy_must_be_known()
    {
        var vm = RenderedVm();
        vm.Spec.Template.Spec.EvictionStrategy = "Migrate";
        Assert.Contains("not a valid evictionStrategy", Only(vm), StringComparison.Ordinal);
    }

    [Fact]
    public void Data_volume_needs_exactly_one_source_and_a_size()
    {
        var dv = RenderedDataDisk();
        dv.Spec.Source!.Http = new HttpDataSource { Url = "https://x.example.com/a.img" };
        Assert.Contains("exactly one source (or sourceRef) is required, found 2", Only(dv), StringComparison.Ordinal);
        dv.Spec.Source.Http = null;
        dv.Spec.Storage.Resources.Requests.Clear();
        Assert.Contains("a storage size of at least 1Mi is required", Only(dv), StringComparison.Ordinal);
    }

    [Fact]
    public void Data_volume_source_urls_need_their_schemes()
    {
        var dv = RenderedDataDisk();
        dv.Spec.Source = new DataVolumeSource { Registry = new RegistryDataSource { Url = "quay.io/a/b:1" } };
        Assert.Contains("must start with docker:// or oci-archive://", Only(dv), StringComparison.Ordinal);
        dv.Spec.Source = new DataVolumeSource { Http = new HttpDataSource { Url = "ftp://x/a.img" } };
        Assert.Contains("must be an http, https or gs URL", Only(dv), StringComparison.Ordinal);
    }

    [Fact]
    public void Service_type_is_case_sensitive()
    {
        var svc = new V1Service { Kind = "Service", Metadata = new V1ObjectMeta { Name = "s" }, Spec = new V1ServiceSpec { Type = "Nodeport" } };
        Assert.Contains("Service type 'Nodeport'", Only(svc), StringComparison.Ordinal);
    }
}
