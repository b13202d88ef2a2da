using System.Text.Json.Nodes;
using KVEdge.Core.Tests.Spec;
using KVEdge.Testing;
using KVEdge.Testing.ApiServer;

namespace KVEdge.Core.Tests.Kube;

/// <summary>
/// The EdgeDevice CRD as kubectl 1.35 meets it on the contract server: installed from deploy/crds, the fleet example
/// applied as custom resources, `kubectl get` with the CRD's columns, the status subresource and generation, `kubectl wait`
/// on Ready, and the CRD's rules refusing a bad CR with the validator's words and without the credential.
/// </summary>
public sealed class CustomResourceTests : IAsyncLifetime
{
    private ContractCluster _cluster = null!;

    private static string Kubectl => ExternalTool.Require(Path.Combine(RepoPaths.Root, ".tools", "kubectl", "kubectl"));

    private static readonly ResourceType EdgeDevices = new("kvedge.io", "v1alpha1", "edgedevices", "EdgeDevice", true, true);

    public async Task InitializeAsync()
    {
        _cluster = await ContractCluster.StartAsync();
        // Installing a CRD is a cluster administrator's work.
        _cluster.Server.ClusterScope = true;
        _cluster.Server.Seed(ContractCluster.Parse("""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"lab"},"status":{"phase":"Active"}}"""));
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private ToolResult Run(params string[] args) => ExternalTool.Run(Kubectl, ["--kubeconfig", _cluster.Kubeconfig, .. args], timeoutSeconds: 60);

    private static void Ok(ToolResult result) => Assert.True(result.ExitCode == 0, result.StdOut + result.StdErr);

    private void InstallCrdAndFleet()
    {
        Ok(Run("apply", "--server-side", "-f", EdgeDeviceCrdTests.CrdPath));
        Ok(Run("wait", "--for=condition=Established", "crd/edgedevices.kvedge.io", "--timeout=30s"));
        var fleet = Run("apply", "--server-side", "-f", Path.Combine(RepoPaths.Root, "examples", "fleet.yaml"));
        Ok(fleet);
        Assert.Contains("edgedevice.kvedge.io/press-01 serverside-applied", fleet.StdOut, StringComparison.Ordinal);
    }

    private void SetStatus(string ns, string name, string ready, string reason, long observedGeneration)
    {
        var patch = new JsonObject
        {
            ["status"] = new JsonObject
            {
                ["observedGeneration"] = observedGeneration,
                ["iotEdge"] = ready == "True" ? "healthy" : "starting",
                ["iotEdgeVersion"] = "1.5.21",
                ["node"] = "node-a",
                ["conditions"] = new JsonArray(new JsonObject
                {
                    ["type"] = "Ready",
                    ["status"] = ready,
                    ["observedGeneration"] = observedGeneration,
                    ["lastTransitionTime"] = "2026-12-01T00:00:00Z",
                    ["reason"] = reason,
                    ["message"] = reason,
                }),
            },
        };
        Ok(Run("patch", "edgedevice", name, "-n", ns, "--subresource=status", "--type=merge", "-p", patch.ToJsonString()));
    }

    [Fact]
    public void Kubectl_applies_the_fleet_as_EdgeDevices_and_gets_them_with_the_CRDs_columns()
    {
        InstallCrdAndFleet();
        SetStatus("factory-a", "press-01", "True", "Ready", 1);

        var all = Run("get", "edgedevices", "-A");
        Ok(all);
        var lines = all.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["NAMESPACE", "NAME", "READY", "IOTEDGE", "VERSION", "NODE", "AGE"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(5, lines.Length);
        Assert.Equal(["factory-a", "press-01", "True", "healthy", "1.5.21", "node-a"], lines.Single(l => l.Contains("press-01", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[..6]);

        // The short name and the category, and -o wide's columns.
        var wide = Run("get", "edev", "-n", "factory-a", "-o", "wide");
        Ok(wide);
        Assert.Contains("REASON", wide.StdOut, StringComparison.Ordinal);
        Assert.Contains("SSH", wide.StdOut, StringComparison.Ordinal);
        Ok(Run("get", "kvedge", "-n", "factory-b"));
    }

    [Fact]
    public void The_status_subresource_keeps_spec_and_status_apart_and_generation_counts_spec_changes()
    {
        InstallCrdAndFleet();
        SetStatus("factory-a", "press-01", "False", "Importing", 1);
        var stored = _cluster.Server.Store.Read(EdgeDevices, "factory-a", "press-01")!;
        Assert.Equal(1, stored["metadata"]!["generation"]!.GetValue<long>());
        Assert.Equal("Importing", stored["status"]!["conditions"]![0]!["reason"]!.GetValue<string>());

        // A spec change through the main resource: generation 2, the status kept (a main-resource write never owns it).
        var file = Path.Combine(Path.GetDirectoryName(_cluster.Kubeconfig)!, "press-01.yaml");
        var device = YamlToJson.ParseAll(File.ReadAllText(Path.Combine(RepoPaths.Root, "examples", "fleet.yaml")))[0];
        device["spec"]!["memory"] = "8Gi";
        device["status"] = new JsonObject { ["stage"] = "Ready" };
        File.WriteAllText(file, device.ToJsonString());
        Ok(Run("apply", "--server-side", "-f", file));
        stored = _cluster.Server.Store.Read(EdgeDevices, "factory-a", "press-01")!;
        Assert.Equal(2, stored["metadata"]!["generation"]!.GetValue<long>());
        Assert.Equal("8Gi", stored["spec"]!["memory"]!.GetValue<string>());
        Assert.Null(stored["status"]!["stage"]);
        Assert.Equal("Importing", stored["status"]!["conditions"]![0]!["reason"]!.GetValue<string>());

        // A label is metadata: no new generation.
        Ok(Run("label", "edgedevice", "press-01", "-n", "factory-a", "team=presses"));
        Assert.Equal(2, _cluster.Server.Store.Read(EdgeDevices, "factory-a", "press-01")!["metadata"]!["generation"]!.GetValue<long>());
    }

    [Fact]
    public void Kubectl_wait_for_Ready_needs_the_condition_for_the_current_generation()
    {
        InstallCrdAndFleet();
        foreach (var name in new[] { "press-01", "press-02" })
        {
            // Ready, but for an older generation than the spec's: not met (kubectl 1.35 pkg/cmd/wait/condition.go).
            SetStatus("factory-a", name, "True", "Ready", 0);
        }

        var stale = Run("wait", "--for=condition=Ready", "edgedevice", "--all", "-n", "factory-a", "--timeout=2s");
        Assert.NotEqual(0, stale.ExitCode);

        foreach (var name in new[] { "press-01", "press-02" })
        {
            SetStatus("factory-a", name, "True", "Ready", 1);
        }

        var wait = Run("wait", "--for=condition=Ready", "edgedevice", "--all", "-n", "factory-a", "--timeout=30s");
        Ok(wait);
        Assert.Contains("edgedevice.kvedge.io/press-02 condition met", wait.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_EdgeDevice_is_refused_with_the_field_and_the_rule_and_never_shows_a_credential()
    {
        InstallCrdAndFleet();
        var file = Path.Combine(Path.GetDirectoryName(_cluster.Kubeconfig)!, "bad.yaml");
        var device = YamlToJson.ParseAll(File.ReadAllText(Path.Combine(RepoPaths.Root, "examples", "fleet.yaml")))[0];
        device["metadata"]!["name"] = "press-09";
        device["spec"]!["firmware"] = new JsonObject { ["secureBoot"] = true };
        device["spec"]!["iotEdge"]!["credentials"]!["connectionString"] = "HostName=h.azure-devices.net;DeviceId=d;SharedAccessKey=c2VjcmV0c2VjcmV0";
        File.WriteAllText(file, device.ToJsonString());

        var refused = Run("apply", "--server-side", "-f", file);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("spec.firmware: Invalid value: \"object\": secureBoot: secure boot needs bootloader efi", refused.StdErr, StringComparison.Ordinal);
        Assert.Contains("spec.iotEdge.credentials.connectionString: Forbidden: an EdgeDevice carries no credential", refused.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("c2VjcmV0", refused.StdErr + refused.StdOut, StringComparison.Ordinal);
        Assert.Null(_cluster.Server.Store.Read(EdgeDevices, "factory-a", "press-09"));

        // An unknown field: kubectl asks for strict field validation, and is told the field.
        device["spec"]!.AsObject().Remove("firmware");
        device["spec"]!["iotEdge"]!["credentials"]!.AsObject().Remove("connectionString");
        device["spec"]!["memroy"] = "4Gi";
        File.WriteAllText(file, device.ToJsonString());
        var unknown = Run("apply", "--server-side", "-f", file);
        Assert.NotEqual(0, unknown.ExitCode);
        Assert.Contains("memroy", unknown.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_custom_resource_stored_before_a_rule_takes_updates_that_leave_the_failing_value_as_it_was()
    {
        // Validation ratcheting (Kubernetes v1.33+): only a changed value is validated again on an update.
        InstallCrdAndFleet();
        var old = _cluster.Server.Store.Read(EdgeDevices, "factory-a", "press-01")!;
        old["spec"]!["iotEdge"]!["credentials"] = new JsonObject { ["connectionString"] = "HostName=h;DeviceId=d;SharedAccessKey=b2xkLXZhbHVl" };
        _cluster.Server.Seed(old, "kubectl");

        // Its labels can change, the forbidden value staying as it was.
        Ok(Run("label", "edgedevice", "press-01", "-n", "factory-a", "reviewed=yes"));
        // A new forbidden value is refused.
        var changed = Run("patch", "edgedevice", "press-01", "-n", "factory-a", "--type", "merge", "-p",
            """{"spec":{"iotEdge":{"credentials":{"connectionString":"HostName=h;DeviceId=d;SharedAccessKey=bmV3LXZhbHVl"}}}}""");
        Assert.NotEqual(0, changed.ExitCode);
        Assert.Contains("spec.iotEdge.credentials.connectionString", changed.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("bmV3LXZhbHVl", changed.StdErr, StringComparison.Ordinal);
    }
}
