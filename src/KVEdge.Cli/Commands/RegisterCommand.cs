using System.CommandLine;
using KVEdge.Cli.Console;
using KVEdge.Core.Actions;
using KVEdge.Core.Kube;
using KVEdge.Core.Output;
using KVEdge.Core.Spec;

namespace KVEdge.Cli.Commands;

/// <summary>
/// <c>kvedge register -f FILE</c>: what install does first for devices with spec.iotEdge.registration, alone: each
/// identity (IoT Hub) or enrollment (DPS), the key into the device's credentials Secret, the fleet's base deployment
/// and the twin tags. For devices installed by helm (whose values name an existingSecret) and for registering ahead of
/// an install. --dry-run=server reads and says what would change, writing nothing. A DPS TPM enrollment takes the
/// endorsement key from the running VM (over SSH, as `kvedge tpm ek`); before the VM runs it waits, and says so.
/// </summary>
internal sealed class RegisterCommand(ICliConsole console, ClusterClientFactory factory, IotConnectorFactory iot) : CliCommand(console)
{
    private readonly SpecInput _input = SpecInput.Create();
    private readonly ClusterOptions _cluster = new(console, factory);
    private readonly Option<string> _dryRun = DryRunOption.Create("not available: registration reads the policy key from the cluster; use server");
    private readonly Option<bool> _forceIdentity = CommonOptions.ForceIdentity();
    private readonly Option<int> _concurrency = CommonOptions.Concurrency("How many devices are registered at once (every one honours the services' throttling).");
    private GuestAccess? _access;

    public static Command Create(ICliConsole console, ClusterClientFactory factory, IotConnectorFactory iot) => new RegisterCommand(console, factory, iot).Build();

    protected override Command Define()
    {
        var command = new Command("register", "Create or update each device's IoT Hub identity or DPS enrollment (spec.iotEdge.registration), put its key into the device's credentials Secret, and set the fleet's base deployment.");
        command.AddOptions(_input.Options.Where(o => o.Name != "--namespace"));
        command.AddOptions(_cluster.All);
        command.AddOptions([_dryRun, _forceIdentity, _concurrency]);
        // A DPS TPM device's endorsement key is read from its running VM over SSH, as the guest verbs log in.
        _access = new GuestAccess(Console, _cluster, identityShortFlag: false);
        command.AddOptions(_access.All);
        return command;
    }

    protected override async Task<int> ExecuteAsync(ParseResult result, HumanOutput human, CancellationToken ct)
    {
        var mode = DryRunOption.Mode(result, _dryRun);
        if (mode == DryRunMode.Client)
        {
            human.Failure("--dry-run=client: registration needs the policy key from the cluster and the service's answers; use --dry-run=server, which writes nothing");
            return ExitCodes.InvalidInput;
        }

        var (files, overrides) = ReadInput(() => _input.Read(result, Console.StdIn));
        var config = _cluster.ResolveConfig(result);
        var ns = _cluster.NamespaceFor(result, config);
        var rendered = TemplateAction.Run(files, overrides, ns, Console.GetEnvironmentVariable);
        if (Rejected(human, rendered.Diagnostics, "nothing registered") is { } code)
        {
            return code;
        }

        if (!RegistrationPhase.Applies(rendered))
        {
            human.Failure("no device in the input has spec.iotEdge.registration: nothing to register");
            return ExitCodes.InvalidInput;
        }

        return await _cluster.ConnectedAsync(config, async client =>
        {
            var options = new RegisterOptions(mode == DryRunMode.Server, result.GetValue(_forceIdentity))
            {
                Concurrency = result.GetValue(_concurrency),
                ReadEndorsementKey = _access!.EndorsementKeyReader(result, client),
            };
            var (devices, failed, outcomes) = await RegistrationPhase.RunAsync(client, iot, rendered, ns, options, human, ct).ConfigureAwait(false);
            var registered = rendered.Specs.Where(s => s.Value.Spec.IotEdge?.Registration is not null).Select(s => $"{s.Value.Metadata.Namespace ?? ns}/{s.Value.Metadata.Name}").ToHashSet(StringComparer.Ordinal);
            if (!options.DryRun)
            {
                // The key into the credentials Secret kvedge renders for the device (an existingSecret was written already).
                foreach (var device in devices.Where(d => registered.Contains(d.Key)))
                {
                    foreach (var secret in device.Objects.Where(o => o.Metadata.Labels is { } labels && labels.TryGetValue(StandardLabels.Role, out var role) && role == Roles.Credentials))
                    {
                        // A Secret that holds these bytes already is left alone: an unchanged run writes nothing anywhere.
                        var wanted = ManifestSerializer.ToJsonNode(secret).AsObject();
                        var live = await client.GetAsync(ClusterResource.Secret, secret.Metadata.NamespaceProperty ?? ns, secret.Metadata.Name, ct).ConfigureAwait(false);
                        if (live is not null && System.Text.Json.Nodes.JsonNode.DeepEquals(live["data"], wanted["data"]))
                        {
                            continue;
                        }

                        await client.ApplyAsync(ClusterResource.Secret, wanted,
                            new ApplyOptions(ApplyOptions.KvedgeFieldManager, Force: false, DryRun: false), ct).ConfigureAwait(false);
                        human.Line($"{device.Key}: Secret {secret.Metadata.Name}: holds the device key");
                    }
                }
            }

            var pending = outcomes.Count(o => o.Pending is not null);
            human.Line($"{registered.Count - failed.Count - pending} of {registered.Count} device(s) registered{(pending > 0 ? $", {pending} waiting for their VM" : "")}{(options.DryRun ? " (dry run: nothing written)" : "")}");
            return failed.Count == 0 ? ExitCodes.Success : failed.Any(f => f.Conflict) ? ExitCodes.Conflict : ExitCodes.Failure;
        }).ConfigureAwait(false);
    }
}
