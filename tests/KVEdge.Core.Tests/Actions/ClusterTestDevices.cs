using KVEdge.Core.Actions;
using KVEdge.Core.Kube;
using KVEdge.Core.Input;
using KVEdge.Core.Rendering;
using KVEdge.Testing;

namespace KVEdge.Core.Tests.Actions;

/// <summary>Rendered IoT Edge devices for the cluster tests, and a reporter that records what install says.</summary>
internal static class ClusterTestDevices
{
    public const string ConnectionString = "HostName=hub-a.azure-devices.net;DeviceId=edge-01;SharedAccessKey=c2VjcmV0LWtleS1mb3ItY2x1c3Rlci10ZXN0cy0wMQ==";

    public static string Spec(string name = "edge-01", string memory = "4Gi") => Specs.Minimal(name, $"""
        memory: {memory}
        expose: {"{"}type: NodePort, sshNodePort: 30022{"}"}
        iotEdge:
          provisioning: {"{"}source: manual, method: connectionString{"}"}
          credentials: {"{"}connectionStringEnv: KVEDGE_TEST_CS{"}"}
        """);

    public static IReadOnlyList<RenderedDevice> Render(params string[] specs)
    {
        var result = TemplateAction.Run(specs.Select((s, i) => new InputFile($"device{i}.yaml", s)), [], "default",
            name => name == "KVEDGE_TEST_CS" ? ConnectionString : null);
        Assert.False(result.Diagnostics.HasErrors, string.Join("\n", result.Diagnostics.Items));
        return result.Devices;
    }

    public static InstallOptions Options(bool upgrade = false, bool force = false, bool wait = false, bool restart = false, DryRunMode dryRun = DryRunMode.None, TimeSpan? timeout = null) =>
        new(upgrade, dryRun, force, wait, timeout ?? TimeSpan.FromSeconds(20), restart);
}

public sealed class RecordingReporter : IInstallReporter
{
    public List<Change> Changes { get; } = [];

    public List<string> Waits { get; } = [];

    public List<string> Progress { get; } = [];

    public void Applied(Change change) => Changes.Add(change);

    public void Waiting(string device, string what) => Waits.Add($"{device}: {what}");

    public List<string> ReadyDevices { get; } = [];

    /// <summary>Called (under the reporter's lock) after each stage is recorded: a test can make the cluster move on then.</summary>
    public Action<string, WaitStage>? OnStage { get; set; }

    public void Stage(string device, WaitStage stage, string what)
    {
        lock (ReadyDevices)
        {
            if (stage == WaitStage.Ready)
            {
                ReadyDevices.Add(device);
            }
            else
            {
                Waits.Add($"{device}: {what}");
            }

            OnStage?.Invoke(device, stage);
        }
    }

    public void ImportProgress(string device, string dataVolume, string progress) => Progress.Add($"{dataVolume} {progress}");

    public List<string> Warnings { get; } = [];

    public void Warning(string device, string message)
    {
        lock (Warnings)
        {
            Warnings.Add($"{device}: {message}");
        }
    }
}
