using System.CommandLine;
using System.Text.Json.Nodes;
using KVEdge.Cli.Console;
using KVEdge.Core.Actions;
using KVEdge.Core.Diagnostics;
using KVEdge.Core.Input;
using KVEdge.Core.Spec;

namespace KVEdge.Cli.Commands;

/// <summary><c>kvedge preflight [-f SPEC]</c>: a pass/warn/fail table (or -o json|yaml) of what the cluster needs; exit 1 on any fail.</summary>
internal sealed class PreflightCommand(ICliConsole console, ClusterClientFactory factory) : CliCommand(console)
{
    private readonly ClusterOptions _cluster = new(console, factory);
    private readonly Option<string[]> _files = PreflightFiles();
    private readonly Option<string> _output = OutputWriter.Option("table, json or yaml.", OutputWriter.Table, OutputWriter.Json, OutputWriter.Yaml);

    public static Command Create(ICliConsole console, ClusterClientFactory factory) => new PreflightCommand(console, factory).Build();

    private static Option<string[]> PreflightFiles()
    {
        var files = CommonOptions.Files();
        files.Required = false;
        files.Description = "EdgeDevice specs whose needs to check too (load balancer, live migration, storage classes).";
        return files;
    }

    protected override Command Define()
    {
        var command = new Command("preflight", "Check that the cluster can run IoT Edge devices: KubeVirt, CDI, virtualization, storage, load balancer, permissions.");
        command.AddOptions(_cluster.All);
        command.AddOptions([_files, _output]);
        return command;
    }

    protected override async Task<int> ExecuteAsync(ParseResult result, HumanOutput human, CancellationToken ct)
    {
        // Devices without a namespace go where install would put them: -n, else the kubeconfig context's. Local only.
        var (config, noCluster) = _cluster.TryResolveConfig(result);
        var ns = _cluster.NamespaceFor(result, config);
        IReadOnlyList<EdgeDevice> devices = [];
        if (result.GetValue(_files) is { Length: > 0 } paths)
        {
            var inputs = ReadInput(() => InputFile.Read(paths, () => Console.StdIn));
            var diagnostics = new DiagnosticBag();
            var bindings = DeviceLoader.Load(inputs, [], ns, diagnostics, Console.GetEnvironmentVariable);
            if (Rejected(human, diagnostics, "nothing checked") is { } code)
            {
                return code;
            }

            devices = [.. bindings.Select(b => b.Value)];
        }

        if (noCluster is not null)
        {
            throw noCluster;
        }

        return await _cluster.ConnectedAsync(config!, async client =>
        {
            var preflight = await new PreflightAction(client).RunAsync(new PreflightOptions(ns, devices), ct).ConfigureAwait(false);
            var checks = preflight.Checks;
            var document = new JsonObject
            {
                ["apiVersion"] = "kvedge.io/v1alpha1",
                ["kind"] = "PreflightCheckList",
                ["items"] = new JsonArray([.. checks.Select(c => (JsonNode)new JsonObject
                {
                    ["name"] = c.Name,
                    ["result"] = c.Result.ToString().ToLowerInvariant(),
                    ["message"] = c.Message,
                })]),
            };
            OutputWriter.Write(Console.StdOut, result.GetValue(_output)!, document, ["CHECK", "RESULT", "MESSAGE"],
                checks.Select(c => (IReadOnlyList<string>)[c.Name, c.Result.ToString().ToLowerInvariant(), c.Message]));
            var failed = checks.Count(c => c.Result == CheckResult.Fail);
            human.Line($"{checks.Count(c => c.Result == CheckResult.Pass)} passed, {checks.Count(c => c.Result == CheckResult.Warn)} warned, {failed} failed");
            return preflight.Failure is { } failure ? ExitCodes.For(failure.Kind) : ExitCodes.Success;
        }).ConfigureAwait(false);
    }
}
