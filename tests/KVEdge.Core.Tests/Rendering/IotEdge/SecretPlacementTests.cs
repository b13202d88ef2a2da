using System.Text;
using k8s.Models;
using KVEdge.Core.Output;
using KVEdge.Testing;

namespace KVEdge.Core.Tests.Rendering.IotEdge;

/// <summary>A credential given at render time lands in the device's credentials Secret and nowhere else.</summary>
public class SecretPlacementTests
{
    [Fact]
    public void Credentials_appear_only_in_the_credentials_secret()
    {
        var result = RenderFixtures.Render("tests/testdata/iotedge/modes.yaml");
        foreach (var device in result.Devices)
        {
            foreach (var o in device.Objects)
            {
                var isCredentials = o is V1Secret s && s.Metadata.Name.EndsWith("-credentials", StringComparison.Ordinal);
                var text = ManifestSerializer.ToYaml([o]);
                if (o is V1Secret secret)
                {
                    text += string.Concat(secret.Data.Values.Select(Encoding.UTF8.GetString));
                }

                foreach (var fragment in TestCredentials.SecretFragments())
                {
                    if (!isCredentials)
                    {
                        Assert.False(text.Contains(fragment, StringComparison.Ordinal), $"{device.Key} {o.Kind}/{o.Metadata.Name} carries a credential");
                    }
                }
            }
        }
    }

    [Fact]
    public void The_group_key_never_leaves_the_renderer()
    {
        var device = RenderFixtures.Render("tests/testdata/iotedge/modes.yaml").Devices.Single(d => d.Name == "mode-dps-group");
        var secret = device.Objects.OfType<V1Secret>().Single(s => s.Metadata.Name == "mode-dps-group-credentials");
        Assert.Equal("Jsm0lyGpjaVYVP2g3FnmnmG9dI/9qU24wNoykUmermc=", Encoding.UTF8.GetString(secret.Data["symmetric-key"]));
        var all = ManifestSerializer.ToYaml(device.Objects) + string.Concat(device.Objects.OfType<V1Secret>().SelectMany(s => s.Data.Values).Select(Encoding.UTF8.GetString));
        Assert.DoesNotContain(TestCredentials.Read("group-key.txt").Trim(), all, StringComparison.Ordinal);
    }

    [Fact]
    public void Existing_secret_devices_render_no_credentials_secret_and_mount_the_users_one()
    {
        var device = RenderFixtures.Render("examples/full.yaml").Devices.Single();
        Assert.DoesNotContain(device.Objects, o => o.Metadata.Name.EndsWith("-credentials", StringComparison.Ordinal));
        var vm = device.Objects.OfType<KVEdge.Core.Kubernetes.VirtualMachine>().Single();
        Assert.Contains(vm.Spec.Template.Spec.Volumes, v => v.Secret?.SecretName == "line-7-gateway-iotedge");
        var disk = vm.Spec.Template.Spec.Domain.Devices.Disks.Single(d => d.Name == "credentialsdisk");
        Assert.Equal("kvedge-creds", disk.Serial);
    }

    [Fact]
    public void Tpm_devices_get_a_persistent_vtpm()
    {
        var device = RenderFixtures.Render("tests/testdata/iotedge/modes.yaml").Devices.Single(d => d.Name == "mode-dps-tpm");
        var vm = device.Objects.OfType<KVEdge.Core.Kubernetes.VirtualMachine>().Single();
        Assert.True(vm.Spec.Template.Spec.Domain.Devices.Tpm?.Persistent);
    }
}
