using System.Text.Json.Nodes;
using KVEdge.Core.Rendering;
using KVEdge.Core.Rendering.IotEdge;
using KVEdge.Testing;

namespace KVEdge.Core.Tests.Rendering;

/// <summary>The VM's readinessProbe: the guest's health program through the guest agent, valid for KubeVirt v1.9.0.</summary>
public class HealthProbeTests
{
    private static JsonObject Vm() =>
        YamlToJson.ParseAll(RenderFixtures.RenderYaml("examples/minimal.yaml")).Single(o => (string?)o["kind"] == "VirtualMachine");

    [Fact]
    public void The_vm_template_runs_the_health_program_through_the_guest_agent()
    {
        var probe = Vm()["spec"]!["template"]!["spec"]!["readinessProbe"]!.AsObject();
        Assert.Equal("""{"exec":{"command":["/usr/local/lib/kvedge/kvedge-health"]},"initialDelaySeconds":30,"periodSeconds":15,"timeoutSeconds":10,"failureThreshold":3}""", probe.ToJsonString());
        // No handler KubeVirt would refuse next to exec ("one and only one of the following should be specified").
        Assert.Single(probe, p => p.Key is "exec" or "httpGet" or "tcpSocket" or "guestAgentPing");
    }

    [Fact]
    public void The_probe_passes_the_kubevirt_schema_and_a_wrong_field_in_it_does_not()
    {
        var vm = Vm();
        Assert.Empty(SchemaValidator.Validate(vm));
        vm["spec"]!["template"]!["spec"]!["readinessProbe"]!["exec"]!["command"] = "/usr/local/lib/kvedge/kvedge-health";
        Assert.NotEmpty(SchemaValidator.Validate(vm));
    }

    [Fact]
    public void The_probed_program_is_where_the_bootstrap_and_the_converge_program_install_it()
    {
        Assert.Contains($"\"$mnt/kvedge-health\" {HealthProbe.Program}", GuestFiles.Read(GuestFiles.Bootstrap), StringComparison.Ordinal);
        Assert.Contains($"HEALTH={HealthProbe.Program}\n", GuestFiles.Read(GuestFiles.Converge), StringComparison.Ordinal);
        // Its timeout is above the program's whole budget and the kill grace after it (8 s + 0.5 s), so a hung step is
        // reported by the program, not cut off by KubeVirt.
        Assert.Contains("BUDGET=${KVEDGE_HEALTH_BUDGET:-8}", GuestFiles.Read(GuestFiles.Health), StringComparison.Ordinal);
        Assert.Contains("timeout -k 0.5 ", GuestFiles.Read(GuestFiles.Health), StringComparison.Ordinal);
        Assert.True(HealthProbe.TimeoutSeconds > 8.5 && HealthProbe.TimeoutSeconds < HealthProbe.PeriodSeconds);
    }
}
