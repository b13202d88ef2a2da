using System.CommandLine;
using System.Text.Json.Nodes;
using KVEdge.Cli.Console;
using KVEdge.Core.Actions;

namespace KVEdge.Cli.Commands;

/// <summary><c>kvedge status [NAME]</c>: devices as a table (or -o json|yaml) on stdout.</summary>
internal sealed class StatusCommand(ICliConsole console, ClusterClientFactory factory) : CliCommand(console)
{
    private readonly ClusterOptions _cluster = new(console, factory);
    private readonly Argument<string?> _name = new Argument<string?>("NAME") { Description = "One device; all kvedge devices of the namespace when omitted.", Arity = ArgumentArity.ZeroOrOne }.ValidatedAsDeviceName();
    private readonly Option<bool> _allNamespaces = new("--all-namespaces", "-A") { Description = "Devices of every namespace." };
    private readonly Option<bool> _health = new("--health") { Description = "Run the guest's health program in each running device (over SSH, through the API server) for the IOTEDGE column and -o json's health." };
    private GuestAccess? _access;
    private readonly Option<string> _output = OutputWriter.Option("table, wide (more columns), json or yaml.", OutputWriter.Table, OutputWriter.Wide, OutputWriter.Json, OutputWriter.Yaml);

    public static Command Create(ICliConsole console, ClusterClientFactory factory) => new StatusCommand(console, factory).Build();

    protected override Command Define()
    {
        var command = new Command("status", "Show devices: VM status, node, IP, disk import, SSH endpoint, conditions.") { _name };
        command.AddOptions(_cluster.All);
        command.AddOptions([_allNamespaces, _output, _health]);
        _access = new GuestAccess(Console, _cluster, identityShortFlag: true);
        command.AddOptions(_access.All);
        return command;
    }

    protected override Task<int> ExecuteAsync(ParseResult result, HumanOutput human, CancellationToken ct) =>
        _cluster.RunAsync(result, async (client, ns) =>
        {
            var scope = result.GetValue(_allNamespaces) ? null : ns;
            var device = result.GetValue(_name);
            var options = new StatusOptions(scope, device);
            if (result.GetValue(_health))
            {
                options = options with { Guest = d => new ResolvingGuestShell(() => _access!.ResolveAsync(result, client, d.Namespace, d.Name, nonInteractive: true, ct, stdin: false), Console) };
            }

            var status = await new StatusAction(client).RunAsync(options, ct).ConfigureAwait(false);
            if (status.Failure is { } failure)
            {
                human.Failure(failure.Message);
                return ExitCodes.For(failure.Kind);
            }

            var devices = status.Devices;

            Write(devices, result.GetValue(_output)!, withNamespace: scope is null);
            if (devices.Count == 0)
            {
                human.Line(scope is null ? "no kvedge devices found" : $"no kvedge devices in namespace {scope}");
            }

            return ExitCodes.Success;
        });

    private void Write(IReadOnlyList<DeviceStatus> devices, string format, bool withNamespace)
    {
        // -o wide, as kubectl's: the same columns, and more after them.
        var wide = format == OutputWriter.Wide;
        string[] header = ["NAME", "STATUS", "READY", "IOTEDGE", "NODE", "IP", "IMPORT", "SSH", "CONDITIONS"];
        if (wide)
        {
            header = [.. header, "RUNSTRATEGY", "MAC", "GUEST-OS", "LIVE-MIGRATABLE", "REASON"];
        }

        var rows = devices.Select(d =>
        {
            string[] cells = [d.Name, d.Status, d.Ready ? "True" : "False", d.IotEdge ?? "<none>", d.Node ?? "<none>", d.Ip ?? "<none>", d.Import ?? "<none>", d.Ssh ?? "<none>",
                d.Conditions.Count == 0 ? "<none>" : string.Join(",", d.Conditions)];
            if (wide)
            {
                cells = [.. cells, d.RunStrategy ?? "<none>", d.Mac ?? "<none>", d.GuestOs ?? "<none>", d.LiveMigratable ?? "<none>", d.Readiness?.Reason ?? "<none>"];
            }

            return (IReadOnlyList<string>)(withNamespace ? [d.Namespace, .. cells] : cells);
        });
        var list = new JsonObject
        {
            ["apiVersion"] = "kvedge.io/v1alpha1",
            ["kind"] = "DeviceStatusList",
            ["items"] = new JsonArray([.. devices.Select(d => (JsonNode)WithHealth(new JsonObject
            {
                ["namespace"] = d.Namespace,
                ["name"] = d.Name,
                ["status"] = d.Status,
                ["ready"] = d.Ready,
                ["iotEdge"] = d.IotEdge,
                ["node"] = d.Node,
                ["ip"] = d.Ip,
                ["import"] = d.Import,
                ["ssh"] = d.Ssh,
                ["conditions"] = new JsonArray([.. d.Conditions.Select(c => (JsonNode)JsonValue.Create(c))]),
                ["runStrategy"] = d.RunStrategy,
                ["mac"] = d.Mac,
                ["guestOS"] = d.GuestOs,
                ["liveMigratable"] = d.LiveMigratable,
                ["readiness"] = d.Readiness is { } r
                    ? new JsonObject { ["stage"] = r.Stage.ToString(), ["reason"] = r.Reason, ["message"] = r.Message }
                    : null,
                // The device as an EdgeDevice's status holds it (the operator writes the same type).
                ["edgeDeviceStatus"] = d.Summary?.ToJson(),
            }, d))]),
        };
        OutputWriter.Write(Console.StdOut, format, list, withNamespace ? ["NAMESPACE", .. header] : header, rows);
    }

    // The health program's report under "health", only when --health asked for it.
    private static JsonObject WithHealth(JsonObject item, DeviceStatus device)
    {
        if (device.Health is { } health)
        {
            item["health"] = health.ToJson();
        }

        return item;
    }
}
