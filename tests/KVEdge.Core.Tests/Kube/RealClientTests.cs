using KVEdge.Core.Actions;
using KVEdge.Core.Output;
using KVEdge.Core.Tests.Chart;
using KVEdge.Testing;
using KVEdge.Testing.ApiServer;

using KVEdge.Core.Tests.Actions;

namespace KVEdge.Core.Tests.Kube;

/// <summary>
/// Real clients against the contract server: kubectl 1.35 and helm v4 (scripts/install-test-tools.sh), over HTTPS with
/// the server's CA, through discovery, OpenAPI v3, server-side apply and watches. A server they can talk to answers
/// as a real one does where they look; what kvedge then sees of their work is checked too.
/// </summary>
public sealed class RealClientTests : IAsyncLifetime
{
    private ContractCluster _cluster = null!;

    // kubectl 1.35 from the test tools, not whatever kubectl is on PATH.
    private static string Kubectl => ExternalTool.Require(Path.Combine(RepoPaths.Root, ".tools", "kubectl", "kubectl"));

    public async Task InitializeAsync()
    {
        _cluster = (await ContractCluster.StartAsync()).SeedHealthyCluster();
        _cluster.Server.Simulator.Start();
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private ToolResult RunKubectl(params string[] args) => ExternalTool.Run(Kubectl, ["--kubeconfig", _cluster.Kubeconfig, .. args], timeoutSeconds: 60);

    private ToolResult RunHelm(params string[] args) => ExternalTool.Run(HelmChart.Helm, [.. args, "--kubeconfig", _cluster.Kubeconfig], timeoutSeconds: 60);

    private string RenderedDevice()
    {
        var devices = ClusterTestDevices.Render(ClusterTestDevices.Spec());
        var file = Path.Combine(Path.GetDirectoryName(_cluster.Kubeconfig)!, "device.yaml");
        File.WriteAllText(file, ManifestSerializer.ToYaml(devices.SelectMany(d => d.Objects)));
        return file;
    }

    [Fact]
    public void Kubectl_applies_kvedges_output_server_side_reads_it_back_and_waits_for_it()
    {
        var file = RenderedDevice();
        var first = RunKubectl("apply", "--server-side", "-f", file);
        Assert.True(first.ExitCode == 0, first.StdErr);
        Assert.Contains("virtualmachine.kubevirt.io/edge-01 serverside-applied", first.StdOut, StringComparison.Ordinal);
        Assert.Equal("kubectl", _cluster.Server.Store.Read(ResourceType.VirtualMachine, "factory-a", "edge-01")!["metadata"]!["managedFields"]![0]!["manager"]!.GetValue<string>());

        // kubectl sends fieldValidation=Strict (it found the parameter in the OpenAPI v3 document).
        Assert.Contains(_cluster.Server.Requests, r => r.Method == "PATCH" && r.Query.Contains("fieldValidation=Strict", StringComparison.Ordinal));
        var again = RunKubectl("apply", "--server-side", "-f", file);
        Assert.True(again.ExitCode == 0, again.StdErr);

        var got = RunKubectl("get", "vm,dv,svc", "-n", "factory-a", "-o", "name");
        Assert.True(got.ExitCode == 0, got.StdErr);
        Assert.Contains("virtualmachine.kubevirt.io/edge-01", got.StdOut, StringComparison.Ordinal);
        Assert.Contains("datavolume.cdi.kubevirt.io/edge-01-data", got.StdOut, StringComparison.Ordinal);

        // kubectl 1.35's wait streams the initial list and needs the initial-events-end bookmark.
        var wait = RunKubectl("wait", "-n", "factory-a", "--for=condition=Ready", "vm/edge-01", "--timeout=30s");
        Assert.True(wait.ExitCode == 0, wait.StdErr);
        Assert.Contains("condition met", wait.StdOut, StringComparison.Ordinal);
        Assert.Contains(_cluster.Server.Requests, r => r.Query.Contains("sendInitialEvents=true", StringComparison.Ordinal));
    }

    [Fact]
    public void Kubectl_gets_a_forbidden_answer_and_an_unknown_field_error_as_from_a_real_server()
    {
        _cluster.Server.Denied.Add("list virtualmachines");
        var denied = RunKubectl("get", "vm", "-n", "factory-a");
        Assert.NotEqual(0, denied.ExitCode);
        Assert.Contains("cannot list resource \"virtualmachines\" in API group \"kubevirt.io\" in the namespace \"factory-a\"", denied.StdErr, StringComparison.Ordinal);

        var file = RenderedDevice();
        File.WriteAllText(file, File.ReadAllText(file).Replace("runStrategy: Always", "runStrategy: Always\n  runStrategey: Always", StringComparison.Ordinal));
        var strict = RunKubectl("apply", "--server-side", "-f", file);
        Assert.NotEqual(0, strict.ExitCode);
        Assert.Contains("runStrategey", strict.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Helm_installs_upgrades_and_uninstalls_the_chart_and_kvedge_status_sees_the_device()
    {
        string[] values = ["--set", $"publicSshKey={TestKeys.Ed25519}"];
        var install = RunHelm(["install", "edge-h", HelmChart.Dir, "-n", "factory-a", .. values]);
        Assert.True(install.ExitCode == 0, install.StdErr);
        // helm overwrote managed-by; kvedge still finds the device by part-of and kvedge.io/device.
        Assert.Equal("Helm", _cluster.Server.Store.Read(ResourceType.VirtualMachine, "factory-a", "edge-h")!["metadata"]!["labels"]!["app.kubernetes.io/managed-by"]!.GetValue<string>());
        using var client = _cluster.Client();
        var status = await new StatusAction(client).RunAsync("factory-a", null, CancellationToken.None);
        Assert.Equal("edge-h", Assert.Single(status).Name);

        // A changed disk value would be a spec change CDI refuses; the chart re-applies the live spec instead.
        var dataSpec = _cluster.Server.Store.Read(ResourceType.DataVolume, "factory-a", "edge-h-data")!["spec"]!.ToJsonString();
        var upgrade = RunHelm(["upgrade", "edge-h", HelmChart.Dir, "-n", "factory-a", .. values, "--set", "dataDisk.size=50Gi", "--set", "memory=6Gi"]);
        Assert.True(upgrade.ExitCode == 0, upgrade.StdErr);
        Assert.Equal(dataSpec, _cluster.Server.Store.Read(ResourceType.DataVolume, "factory-a", "edge-h-data")!["spec"]!.ToJsonString());
        Assert.Equal("6Gi", _cluster.Server.Store.Read(ResourceType.VirtualMachine, "factory-a", "edge-h")!["spec"]!["template"]!["spec"]!["domain"]!["memory"]!["guest"]!.GetValue<string>());
        Assert.Contains("take effect at install only", upgrade.StdOut, StringComparison.Ordinal);

        var uninstall = RunHelm("uninstall", "edge-h", "-n", "factory-a");
        Assert.True(uninstall.ExitCode == 0, uninstall.StdErr);
        Assert.Contains("edge-h-data", uninstall.StdOut, StringComparison.Ordinal);
        Assert.NotNull(_cluster.Server.Store.Read(ResourceType.DataVolume, "factory-a", "edge-h-data"));
        Assert.Null(_cluster.Server.Store.Read(ResourceType.Service, "factory-a", "edge-h"));
    }
}
