using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using KVEdge.Cli.Console;
using KVEdge.Core.Actions;
using KVEdge.Core.Kube;

namespace KVEdge.Cli.Commands;

/// <summary>
/// <c>kvedge rollout status|pause|resume</c>, as kubectl's rollout verbs: for a fleet (-f) or the devices a label
/// selector picks (-l) in a namespace (-n) or all (-A). The rollout's state lives on the devices' VMs
/// (<see cref="RolloutMarks"/>), so these work whichever run or operator replica is rolling.
/// </summary>
internal sealed class RolloutCommand(ICliConsole console, ClusterClientFactory factory, string verb) : CliCommand(console)
{
    private readonly SpecInput _input = Optional();
    private readonly ClusterOptions _cluster = new(console, factory);
    private readonly Option<string?> _selector = new Option<string?>("--selector", "-l") { Description = "Only the devices whose VMs match this label selector (env=pilot)." };
    private readonly Option<bool> _allNamespaces = new("--all-namespaces", "-A") { Description = "Devices of every namespace." };
    private readonly Option<string> _deadline = new("--progress-deadline") { Description = "status: how long a restarted device has to be Ready again before it shows as failed.", DefaultValueFactory = _ => "10m" };
    private readonly Option<string> _output = OutputWriter.Option("table, json or yaml.", OutputWriter.Table, OutputWriter.Json, OutputWriter.Yaml);

    public static Command Create(ICliConsole console, ClusterClientFactory factory) =>
        new("rollout", "See, pause or resume the health-gated rollout of a change (kvedge upgrade --rollout).")
        {
            new RolloutCommand(console, factory, "status").Build(),
            new RolloutCommand(console, factory, "pause").Build(),
            new RolloutCommand(console, factory, "resume").Build(),
        };

    private static SpecInput Optional()
    {
        var files = CommonOptions.Files();
        files.Required = false;
        return new SpecInput(files, CommonOptions.Set(), CommonOptions.SetFile(), CommonOptions.Namespace());
    }

    protected override Command Define()
    {
        var command = new Command(verb, verb switch
        {
            "status" => "Where each device stands in the rollout: waiting, restarting, updated, failed, paused.",
            "pause" => "Start no further restart for these devices (one already running goes on).",
            _ => "Undo a pause, and clear the failures that halted a rollout, so the next upgrade --rollout judges those devices again.",
        });
        command.AddOptions(_input.Options.Where(o => o.Name != "--namespace"));
        command.AddOptions(_cluster.All);
        command.AddOptions([_selector, _allNamespaces]);
        if (verb == "status")
        {
            command.AddOptions([_deadline, _output]);
        }

        return command;
    }

    protected override async Task<int> ExecuteAsync(ParseResult result, HumanOutput human, CancellationToken ct)
    {
        var deadline = TimeSpan.Zero;
        if (verb == "status" && (!GoDuration.TryParse(result.GetValue(_deadline)!, out deadline) || deadline <= TimeSpan.Zero))
        {
            human.Failure($"--progress-deadline {result.GetValue(_deadline)}: not a duration (examples: 90s, 10m, 1h30m)");
            return ExitCodes.InvalidInput;
        }

        if (result.GetValue(_selector) is { } selector && !LabelSelectorText.IsValid(selector))
        {
            human.Failure($"--selector {selector}: not a label selector (key=value, key!=value, key in (a,b), key, !key; comma-separated)");
            return ExitCodes.InvalidInput;
        }

        var hasFiles = _input.HasFiles(result);
        var (config, noCluster) = _cluster.TryResolveConfig(result);
        List<(string, string)>? fleet = null;
        if (hasFiles)
        {
            var (files, overrides) = ReadInput(() => _input.Read(result, Console.StdIn));
            var rendered = TemplateAction.Run(files, overrides, _cluster.NamespaceFor(result, config), Console.GetEnvironmentVariable);
            if (Rejected(human, rendered.Diagnostics, "nothing changed") is { } code)
            {
                return code;
            }

            fleet = [.. rendered.Devices.Select(d => (d.Namespace, d.Name))];
        }

        if (noCluster is not null)
        {
            throw noCluster;
        }

        var scope = result.GetValue(_allNamespaces) ? null : _cluster.NamespaceFor(result, config);
        var selection = new RolloutControlAction.Selection(fleet, scope, result.GetValue(_selector));
        return await _cluster.ConnectedAsync(config!, async client =>
        {
            var action = new RolloutControlAction(client);
            if (verb != "status")
            {
                var changed = await action.SetPausedAsync(selection, verb == "pause", ct).ConfigureAwait(false);
                foreach (var (ns, name) in changed)
                {
                    human.Line($"{ns}/{name}: {(verb == "pause" ? "paused" : "resumed")}");
                }

                human.Line($"{changed.Count} device(s) {(verb == "pause" ? "paused" : "resumed")}");
                return ExitCodes.Success;
            }

            var devices = await action.StatusAsync(selection, deadline, DateTimeOffset.UtcNow, ct).ConfigureAwait(false);
            Write(devices, result.GetValue(_output)!);
            var halted = devices.Count(d => d.State == RolloutState.Failed);
            human.Line($"{devices.Count(d => d.State == RolloutState.Pending)} waiting, {devices.Count(d => d.State == RolloutState.Restarting)} restarting, {halted} failed, {devices.Count(d => d.Paused)} paused of {devices.Count} device(s)");
            return ExitCodes.Success;
        }).ConfigureAwait(false);
    }

    private void Write(IReadOnlyList<RolloutDevice> devices, string format)
    {
        string[] header = ["NAMESPACE", "NAME", "STATE", "READY", "PAUSED", "REVISION", "RESTARTED", "REASON"];
        var rows = devices.Select(d => (IReadOnlyList<string>)[d.Namespace, d.Name, d.State.ToString(), d.Ready ? "True" : "False", d.Paused ? "True" : "False",
            d.Revision ?? "<none>", d.Mark is { } m ? m.At.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) : "<none>", d.Reason ?? "<none>"]);
        var list = new JsonObject
        {
            ["apiVersion"] = "kvedge.io/v1alpha1",
            ["kind"] = "RolloutStatusList",
            ["items"] = new JsonArray([.. devices.Select(d => (JsonNode)new JsonObject
            {
                ["namespace"] = d.Namespace,
                ["name"] = d.Name,
                ["state"] = d.State.ToString(),
                ["ready"] = d.Ready,
                ["paused"] = d.Paused,
                ["revision"] = d.Revision,
                ["restartedAt"] = d.Mark?.At.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
                ["reason"] = d.Reason,
            })]),
        };
        OutputWriter.Write(Console.StdOut, format, list, header, rows);
    }
}
