using System.CommandLine;
using KVEdge.Cli.Console;
using KVEdge.Core.Actions;
using KVEdge.Core.Cluster;
using KVEdge.Core.Diagnostics;
using KVEdge.Core.Input;
using KVEdge.Core.Spec;

namespace KVEdge.Cli.Commands;

/// <summary><c>kvedge preflight [-f SPEC]</c>: a pass/warn/fail table of what the cluster needs; exit 1 on any fail.</summary>
internal static class PreflightCommand
{
    public static Command Create(ICliConsole console, ClusterClientFactory factory)
    {
        var cluster = new ClusterOptions(console, factory);
        var files = CommonOptions.Files();
        files.Required = false;
        files.Description = "EdgeDevice specs whose needs to check too (load balancer, live migration, storage classes).";
        var command = new Command("preflight", "Check that the cluster can run IoT Edge devices: KubeVirt, CDI, virtualization, storage, load balancer, permissions.");
        command.AddOptions(cluster.All);
        command.Options.Add(files);
        command.SetAction(result =>
        {
            var human = new HumanOutput(console);
            // Devices without a namespace go where install would put them: -n, else the kubeconfig context's. Local only.
            var (config, noCluster) = cluster.TryResolveConfig(result);

            var ns = cluster.NamespaceFor(result, config);
            IReadOnlyList<EdgeDevice> devices = [];
            if (result.GetValue(files) is { Length: > 0 } paths)
            {
                IReadOnlyList<InputFile> inputs = [];
                if (InputErrors.Guard(human, () => inputs = InputFile.Read(paths, () => console.StdIn)) is { } code)
                {
                    return code;
                }

                var diagnostics = new DiagnosticBag();
                var bindings = DeviceLoader.Load(inputs, [], ns, diagnostics, console.GetEnvironmentVariable);
                human.Diagnostics(diagnostics.Items);
                if (diagnostics.HasErrors)
                {
                    human.Failure($"{diagnostics.ErrorCount} error(s) in the specs");
                    return ExitCodes.InvalidInput;
                }

                devices = bindings.Select(b => b.Value).ToList();
            }

            if (noCluster is not null)
            {
                human.Failure(noCluster.Message);
                return ExitCodes.ClusterUnavailable;
            }

            return cluster.Connected(config!, human, client =>
            {
                var checks = new PreflightAction(client).RunAsync(ns, devices, CancellationToken.None).GetAwaiter().GetResult();
                var width = checks.Max(c => c.Name.Length);
                console.StdOut.WriteLine($"{"CHECK".PadRight(width)}   RESULT   MESSAGE");
                foreach (var check in checks)
                {
                    console.StdOut.WriteLine($"{check.Name.PadRight(width)}   {check.Result.ToString().ToLowerInvariant(),-6}   {check.Message}");
                }

                var failed = checks.Count(c => c.Result == CheckResult.Fail);
                human.Line($"{checks.Count(c => c.Result == CheckResult.Pass)} passed, {checks.Count(c => c.Result == CheckResult.Warn)} warned, {failed} failed");
                return failed == 0 ? ExitCodes.Success : ExitCodes.Failure;
            });
        });
        return command;
    }
}
