using KVEdge.Core.Attestation;

namespace KVEdge.Core.Actions;

/// <summary>
/// `kvedge tpm ek NAME`: the endorsement key and registration ID of a device's TPM, read in the guest with tpm2-tools
/// as EFLOW's Get-EflowVmTpmProvisioningInfo reads them, for a DPS TPM individual enrollment. The guest says which
/// of its answers it gave (no tpm2-tools, no TPM); whatever it printed is checked to be a whole endorsement key before
/// it is shown.
/// </summary>
public sealed class TpmEkAction(IGuestShell guest)
{
    public async Task<TpmEkResult> RunAsync(CancellationToken ct)
    {
        var run = await guest.RunAsync(GuestCommands.TpmEndorsementKey(), ct).ConfigureAwait(false);
        switch (run.ExitCode)
        {
            case GuestRun.SshFailed:
                return Failed($"cannot reach the guest over SSH: {run.LastError}");
            case GuestCommands.NoTpmTools:
                return Failed("the guest has no tpm2-tools (tpm2_readpublic): kvedge-converge installs it on a device whose " +
                    "spec.iotEdge.provisioning.method is tpm and on images made by `kvedge image bake`; on another device install the tpm2-tools package");
            case GuestCommands.NoTpm:
                return Failed("the VM has no TPM (/dev/tpmrm0 is missing): kvedge gives one (a persistent vTPM) to a device whose spec.iotEdge.provisioning.method is tpm");
            case not 0:
                return Failed($"tpm2-tools could not read the endorsement key (exit code {run.ExitCode}): {run.LastError}");
        }

        var lines = System.Text.Encoding.UTF8.GetString(run.StdOut).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length != 2 || lines[0] is not ("persistent" or "created"))
        {
            return Failed($"the guest's answer is not an endorsement key ({lines.Length} lines)");
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(lines[1]);
        }
        catch (FormatException)
        {
            return Failed("the guest's endorsement key is not base64");
        }

        return EndorsementKey.Parse(bytes, out var error) is { } key
            ? new TpmEkResult(key, lines[0] == "persistent", null)
            : Failed($"the guest's endorsement key is not a TPM2B_PUBLIC of an endorsement key: {error}");
    }

    private static TpmEkResult Failed(string message) => new(null, false, new ActionFailure(FailureKind.Failed, message));
}
