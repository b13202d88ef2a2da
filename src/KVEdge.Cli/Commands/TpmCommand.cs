using System.CommandLine;
using System.Text.Json.Nodes;
using KVEdge.Cli.Console;
using KVEdge.Core.Actions;

namespace KVEdge.Cli.Commands;

/// <summary>
/// <c>kvedge tpm ek NAME [-o text|json|yaml]</c>: a device's TPM endorsement key and the registration ID derived from
/// it, for a DPS TPM individual enrollment (EFLOW's Get-EflowVmTpmProvisioningInfo; Azure/iotedge-eflow#37, #147).
/// Read in the guest with tpm2-tools over SSH, as the other guest verbs reach it. Neither is a secret: the EK is the
/// TPM's public key.
/// </summary>
internal sealed class TpmCommand(ICliConsole console, ClusterClientFactory factory) : CliCommand(console)
{
    private readonly ClusterOptions _cluster = new(console, factory);
    private readonly Argument<string> _name = new Argument<string>("NAME") { Description = "The device." }.ValidatedAsDeviceName();
    private readonly Option<string> _output = OutputWriter.Option("text (the registration ID and the endorsement key, one per line), json or yaml.", "text", OutputWriter.Json, OutputWriter.Yaml);
    private GuestAccess? _access;

    public static Command Create(ICliConsole console, ClusterClientFactory factory) =>
        new("tpm", "A device's TPM (its vTPM in KubeVirt).") { new TpmCommand(console, factory).Build() };

    protected override Command Define()
    {
        _access = new GuestAccess(Console, _cluster, identityShortFlag: true);
        var command = new Command("ek", "Print a device's TPM endorsement key and registration ID for a DPS TPM enrollment (read in the guest with tpm2-tools, over SSH).") { _name };
        command.AddOptions(_cluster.All);
        command.AddOptions(_access.All);
        command.AddOptions([_output]);
        return command;
    }

    protected override Task<int> ExecuteAsync(ParseResult result, HumanOutput human, CancellationToken ct)
    {
        var device = result.GetValue(_name)!;
        return _access!.RunAsync(result, human, device, nonInteractive: true, async (_, ns, ssh) =>
        {
            var read = await new TpmEkAction(new SshGuestShell(Console, ssh)).RunAsync(ct).ConfigureAwait(false);
            if (read.Failure is { } failure)
            {
                human.Failure($"{ns}/{device}: {failure.Message}");
                return ExitCodes.For(failure.Kind);
            }

            var key = read.Key!;
            var format = result.GetValue(_output)!;
            if (format == "text")
            {
                human.Line($"{ns}/{device}: {key.Algorithm.ToUpperInvariant()} {key.KeyBits}-bit endorsement key, " +
                    (read.Persistent ? "persistent at 0x81010001" : "made again from the endorsement seed (none persistent at 0x81010001)"));
                Console.StdOut.WriteLine($"Registration ID: {key.RegistrationId}");
                Console.StdOut.WriteLine($"Endorsement key: {key.Base64}");
            }
            else
            {
                var document = new JsonObject
                {
                    ["device"] = device,
                    ["namespace"] = ns,
                    ["registrationId"] = key.RegistrationId,
                    ["endorsementKey"] = key.Base64,
                    ["algorithm"] = key.Algorithm,
                    ["keyBits"] = key.KeyBits,
                    ["persistent"] = read.Persistent,
                };
                OutputWriter.Write(Console.StdOut, format, document, [], []);
            }

            return ExitCodes.Success;
        }, ct, stdin: false);
    }
}
