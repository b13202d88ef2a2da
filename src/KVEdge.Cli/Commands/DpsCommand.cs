using System.CommandLine;
using KVEdge.Cli.Console;
using KVEdge.Core.Rendering.IotEdge;
using KVEdge.Core.Validation.Credentials;

namespace KVEdge.Cli.Commands;

/// <summary><c>kvedge dps derive-key</c>: the device key of a DPS symmetric-key group enrollment.</summary>
internal static class DpsCommand
{
    public static Command Create(ICliConsole console)
    {
        var groupKey = new Option<string?>("--group-key") { Description = "The enrollment group's primary or secondary key (base64)." };
        var groupKeyFile = new Option<string?>("--group-key-file") { Description = "Read the group key from a file instead (keeps it out of shell history)." };
        var registrationId = new Option<string>("--registration-id") { Description = "The device's registration id (it becomes the device id).", Required = true };
        var derive = new Command("derive-key", "Print the device key for a DPS group enrollment: Base64(HMAC-SHA256(groupKey, registrationId)).")
        {
            groupKey,
            groupKeyFile,
            registrationId,
        };
        derive.SetAction(result =>
        {
            var human = new HumanOutput(console);
            var inline = result.GetValue(groupKey);
            var file = result.GetValue(groupKeyFile);
            if ((inline is null) == (file is null))
            {
                human.Failure("give the group key once: --group-key or --group-key-file");
                return ExitCodes.InvalidInput;
            }

            string key;
            try
            {
                key = (inline ?? File.ReadAllText(file!)).Trim();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                human.Failure($"cannot read {file}: {ex.Message}");
                return ExitCodes.InvalidInput;
            }

            var id = result.GetValue(registrationId)!;
            var errors = new List<string>();
            if (IotIdentifiers.CheckSymmetricKey(key, out _) is { } keyReason)
            {
                errors.Add($"--group-key: the group key {keyReason}");
            }

            if (IotIdentifiers.CheckRegistrationId(id) is { } idReason)
            {
                errors.Add($"--registration-id: '{id}' {idReason}");
            }

            foreach (var e in errors)
            {
                human.Failure(e);
            }

            if (errors.Count > 0)
            {
                return ExitCodes.InvalidInput;
            }

            console.StdOut.WriteLine(DpsKeyDerivation.DeriveDeviceKey(key, id));
            return ExitCodes.Success;
        });
        return new Command("dps", "Azure IoT Hub Device Provisioning Service helpers.") { derive };
    }
}
