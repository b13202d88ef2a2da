using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using KVEdge.Cli.Console;
using KVEdge.Core.Cluster;
using YamlDotNet.Serialization;

namespace KVEdge.Cli.Commands;

/// <summary><c>kvedge status [NAME]</c>: devices as a table (or -o json|yaml) on stdout.</summary>
internal static class StatusCommand
{
    public static Command Create(ICliConsole console, ClusterClientFactory factory)
    {
        var cluster = new ClusterOptions(console, factory);
        var name = new Argument<string?>("NAME") { Description = "One device; all kvedge devices of the namespace when omitted.", Arity = ArgumentArity.ZeroOrOne };
        var allNamespaces = new Option<bool>("--all-namespaces", "-A") { Description = "Devices of every namespace." };
        var output = new Option<string>("--output", "-o") { Description = "table, json or yaml.", DefaultValueFactory = _ => "table" };
        output.AcceptOnlyFromAmong("table", "json", "yaml");
        var command = new Command("status", "Show devices: VM status, node, IP, disk import, SSH endpoint, conditions.") { name };
        command.AddOptions(cluster.All);
        command.AddOptions([allNamespaces, output]);
        command.SetAction(result =>
        {
            var human = new HumanOutput(console);
            return cluster.Run(result, human, (client, ns) =>
            {
                var scope = result.GetValue(allNamespaces) ? null : ns;
                var device = result.GetValue(name);
                var devices = new StatusAction(client).RunAsync(scope, device, CancellationToken.None).GetAwaiter().GetResult();
                if (device is not null && devices.Count == 0)
                {
                    human.Failure($"device {scope}/{device} not found (no VirtualMachine labelled kvedge.io/device={device})");
                    return ExitCodes.Failure;
                }

                Write(console.StdOut, devices, result.GetValue(output)!, scope is null);
                if (devices.Count == 0)
                {
                    human.Line(scope is null ? "no kvedge devices found" : $"no kvedge devices in namespace {scope}");
                }

                return ExitCodes.Success;
            });
        });
        return command;
    }

    private static void Write(TextWriter stdout, IReadOnlyList<DeviceStatus> devices, string format, bool withNamespace)
    {
        if (format == "table")
        {
            string[] header = withNamespace
                ? ["NAMESPACE", "NAME", "STATUS", "READY", "NODE", "IP", "IMPORT", "SSH", "CONDITIONS"]
                : ["NAME", "STATUS", "READY", "NODE", "IP", "IMPORT", "SSH", "CONDITIONS"];
            var rows = devices.Select(d =>
            {
                string[] cells = [d.Name, d.Status, d.Ready ? "True" : "False", d.Node ?? "<none>", d.Ip ?? "<none>", d.Import ?? "<none>", d.Ssh ?? "<none>",
                    d.Conditions.Count == 0 ? "<none>" : string.Join(",", d.Conditions)];
                return withNamespace ? [d.Namespace, .. cells] : cells;
            }).ToList();
            var widths = header.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
            foreach (var row in rows.Prepend(header))
            {
                stdout.WriteLine(string.Join("   ", row.Select((c, i) => i == row.Length - 1 ? c : c.PadRight(widths[i]))).TrimEnd());
            }

            return;
        }

        var list = new JsonObject
        {
            ["apiVersion"] = "kvedge.io/v1alpha1",
            ["kind"] = "DeviceStatusList",
            ["items"] = new JsonArray(devices.Select(d => (JsonNode)new JsonObject
            {
                ["namespace"] = d.Namespace,
                ["name"] = d.Name,
                ["status"] = d.Status,
                ["ready"] = d.Ready,
                ["node"] = d.Node,
                ["ip"] = d.Ip,
                ["import"] = d.Import,
                ["ssh"] = d.Ssh,
                ["conditions"] = new JsonArray(d.Conditions.Select(c => (JsonNode)JsonValue.Create(c)!).ToArray()),
            }).ToArray()),
        };
        if (format == "json")
        {
            stdout.WriteLine(list.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }
        else
        {
            stdout.Write(new SerializerBuilder().Build().Serialize(Plain(list)));
        }
    }

    private static object? Plain(JsonNode? node) => node switch
    {
        JsonObject o => o.ToDictionary(kv => kv.Key, kv => Plain(kv.Value)),
        JsonArray a => a.Select(Plain).ToList(),
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        JsonValue v => v.ToString(),
        _ => null,
    };
}
