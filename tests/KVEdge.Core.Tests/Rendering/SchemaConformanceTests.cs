using System.Text.Json.Nodes;
using KVEdge.Testing;

using KVEdge.Core.Spec;

namespace KVEdge.Core.Tests.Rendering;

/// <summary>
/// The rendered YAML, read back as a user's kubectl would read it, validates strictly against KubeVirt v1.9.0,
/// CDI v1.66.0 and Kubernetes 1.35 schemas from shared/schemas.
/// </summary>
public class SchemaConformanceTests
{
    [Theory]
    [MemberData(nameof(RenderFixtures.ValidFileNames), MemberType = typeof(RenderFixtures))]
    public void Every_rendered_object_is_valid_against_the_strict_schemas(string file)
    {
        var objects = YamlToJson.ParseAll(RenderFixtures.RenderYaml(file));
        Assert.NotEmpty(objects);
        foreach (var o in objects)
        {
            var errors = SchemaValidator.Validate(o);
            Assert.True(errors.Count == 0, $"{o["kind"]}/{o["metadata"]?["name"]}:\n{string.Join("\n", errors)}");
        }
    }

    [Fact]
    public void The_schemas_are_strict_so_one_unknown_field_fails()
    {
        var objects = YamlToJson.ParseAll(RenderFixtures.RenderYaml("examples/minimal.yaml"));
        foreach (var o in objects)
        {
            Assert.Empty(SchemaValidator.Validate(o));
            var mutated = (JsonObject)o.DeepClone();
            var target = (JsonObject?)mutated["spec"] ?? mutated;
            target["surprise"] = 1;
            Assert.NotEmpty(SchemaValidator.Validate(mutated));
        }
    }

    [Fact]
    public void The_deprecated_user_data_secret_ref_spelling_is_rejected_by_the_schema()
    {
        var vm = YamlToJson.ParseAll(RenderFixtures.RenderYaml("examples/minimal.yaml")).Single(o => (string?)o["kind"] == "VirtualMachine");
        var volume = vm["spec"]!["template"]!["spec"]!["volumes"]![2]!["cloudInitNoCloud"]!.AsObject();
        volume["userDataSecretRef"] = volume["secretRef"]!.DeepClone();
        volume.Remove("secretRef");
        Assert.NotEmpty(SchemaValidator.Validate(vm));
    }

    [Fact]
    public void Secret_data_must_be_base64()
    {
        var secret = YamlToJson.ParseAll(RenderFixtures.RenderYaml("examples/minimal.yaml"))[0];
        secret["data"]!["userdata"] = "not base64 !";
        Assert.NotEmpty(SchemaValidator.Validate(secret));
    }

    [Theory]
    [MemberData(nameof(RenderFixtures.ValidFileNames), MemberType = typeof(RenderFixtures))]
    public void Objects_come_in_apply_order_and_carry_the_standard_labels(string file)
    {
        foreach (var device in RenderFixtures.Render(file).Devices)
        {
            var kinds = device.Objects.Select(o => o.Kind).ToList();
            var order = new[] { "Secret", "ConfigMap", "DataVolume", "VirtualMachine", "Service" };
            Assert.Equal(kinds.OrderBy(k => Array.IndexOf(order, k)), kinds);
            foreach (var o in device.Objects)
            {
                var labels = o.Metadata.Labels;
                Assert.Equal(device.Name, labels[StandardLabels.Instance]);
                Assert.Equal("kvedge", labels[StandardLabels.ManagedBy]);
                Assert.True(labels.ContainsKey(StandardLabels.Name) && labels.ContainsKey(StandardLabels.PartOf));
            }
        }
    }

    [Fact]
    public void The_service_selects_a_label_the_vm_template_carries()
    {
        var device = RenderFixtures.Render("examples/full.yaml").Devices[0];
        var vm = device.Objects.OfType<KVEdge.Core.Kubernetes.VirtualMachine>().Single();
        var svc = device.Objects.OfType<k8s.Models.V1Service>().Single();
        foreach (var (k, v) in svc.Spec.Selector)
        {
            Assert.Equal(v, vm.Spec.Template.Metadata.Labels![k]);
        }
    }

    [Fact]
    public void The_data_disk_is_standalone_and_never_owned_by_the_vm()
    {
        var device = RenderFixtures.Render("examples/minimal.yaml").Devices[0];
        var data = device.Objects.OfType<KVEdge.Core.Kubernetes.DataVolume>().Single(d => d.Metadata.Name.EndsWith("-data", StringComparison.Ordinal));
        Assert.Null(data.Metadata.OwnerReferences);
        Assert.Equal("keep", data.Metadata.Annotations["helm.sh/resource-policy"]);
        var vm = device.Objects.OfType<KVEdge.Core.Kubernetes.VirtualMachine>().Single();
        Assert.Contains(vm.Spec.Template.Spec.Volumes, v => v.DataVolume?.Name == data.Metadata.Name);
        Assert.All(vm.Spec.Template.Spec.Domain.Devices.Disks, d => Assert.Equal("virtio", d.Disk!.Bus));
    }
}
