using System.Diagnostics;
using KVEdge.Core.Actions;
using KVEdge.Testing;

namespace KVEdge.Core.Tests.Actions;

/// <summary>
/// `kvedge tpm ek`'s guest command line, run by /bin/sh with real tpm2-tools against a real swtpm: the guest's
/// /dev/tpmrm0 is a file standing for the device node, and the TCTI the command names is pointed at the swtpm.
/// </summary>
public sealed class TpmEkActionTests : IDisposable
{
    private readonly SwtpmServer _tpm = SwtpmServer.Start();
    private readonly string _folder = Directory.CreateTempSubdirectory("kvedge-tpm-ek-").FullName;

    public void Dispose()
    {
        _tpm.Dispose();
        Directory.Delete(_folder, true);
    }

    private sealed class ShellGuest(string devicePath, string tcti, string? path = null) : IGuestShell
    {
        public async Task<GuestRun> RunAsync(string command, CancellationToken ct)
        {
            var script = command.Replace("device:/dev/tpmrm0", tcti, StringComparison.Ordinal).Replace("/dev/tpmrm0", devicePath, StringComparison.Ordinal);
            var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(script);
            if (path is not null)
            {
                start.Environment["PATH"] = path;
            }

            using var process = Process.Start(start)!;
            using var stdout = new MemoryStream();
            var copy = process.StandardOutput.BaseStream.CopyToAsync(stdout, ct);
            var stderr = process.StandardError.ReadToEndAsync(ct);
            await process.WaitForExitAsync(ct);
            await copy;
            return new GuestRun(process.ExitCode, stdout.ToArray(), await stderr);
        }
    }

    private string Device()
    {
        var device = Path.Combine(_folder, "tpmrm0");
        File.WriteAllText(device, "");
        return device;
    }

    [Fact]
    public async Task The_key_is_made_again_from_the_seed_without_a_persistent_one_and_read_from_0x81010001_once_there()
    {
        var guest = new ShellGuest(Device(), _tpm.Tcti);
        var created = await new TpmEkAction(guest).RunAsync(CancellationToken.None);
        Assert.Null(created.Failure);
        Assert.False(created.Persistent);
        Assert.Equal(("rsa", 2048), (created.Key!.Algorithm, created.Key.KeyBits));

        // Nothing was written to the TPM: still no persistent key.
        Assert.NotEqual(0, _tpm.Run("tpm2_readpublic", "-c", "0x81010001").ExitCode);

        // libvirt's swtpm_setup --createek leaves the EK at 0x81010001 (KubeVirt's vTPM): the same key is read from there.
        var persisted = _tpm.Run("tpm2_createek", "-Q", "-c", "0x81010001", "-G", "rsa", "-u", Path.Combine(_folder, "ek.pub"));
        Assert.True(persisted.ExitCode == 0, persisted.StdErr);
        var read = await new TpmEkAction(guest).RunAsync(CancellationToken.None);
        Assert.Null(read.Failure);
        Assert.True(read.Persistent);
        Assert.Equal(created.Key.Base64, read.Key!.Base64);
        Assert.Equal(Convert.ToBase64String(File.ReadAllBytes(Path.Combine(_folder, "ek.pub"))), read.Key.Base64);
    }

    [Fact]
    public async Task Another_TPM_has_another_key()
    {
        using var other = SwtpmServer.Start();
        var first = await new TpmEkAction(new ShellGuest(Device(), _tpm.Tcti)).RunAsync(CancellationToken.None);
        var second = await new TpmEkAction(new ShellGuest(Device(), other.Tcti)).RunAsync(CancellationToken.None);
        Assert.NotEqual(first.Key!.RegistrationId, second.Key!.RegistrationId);
    }

    [Fact]
    public async Task A_guest_without_tpm2_tools_or_without_a_TPM_says_which()
    {
        // Only the shell's own tools: no tpm2-tools on the PATH.
        var bin = Directory.CreateDirectory(Path.Combine(_folder, "bin")).FullName;
        foreach (var tool in new[] { "sh", "id", "mktemp", "rm", "base64" })
        {
            File.CreateSymbolicLink(Path.Combine(bin, tool), ExternalTool.Require(tool));
        }

        var noTools = await new TpmEkAction(new ShellGuest(Device(), _tpm.Tcti, bin)).RunAsync(CancellationToken.None);
        Assert.StartsWith("the guest has no tpm2-tools (tpm2_readpublic): kvedge-converge installs it on a device whose spec.iotEdge.provisioning.method is tpm", noTools.Failure!.Message, StringComparison.Ordinal);

        var noTpm = await new TpmEkAction(new ShellGuest(Path.Combine(_folder, "missing"), _tpm.Tcti)).RunAsync(CancellationToken.None);
        Assert.StartsWith("the VM has no TPM (/dev/tpmrm0 is missing)", noTpm.Failure!.Message, StringComparison.Ordinal);

        // tpm2-tools that cannot reach the TPM: its own error, bounded, and no key.
        var unreachable = await new TpmEkAction(new ShellGuest(Device(), "swtpm:host=127.0.0.1,port=1")).RunAsync(CancellationToken.None);
        Assert.StartsWith("tpm2-tools could not read the endorsement key (exit code 1): ", unreachable.Failure!.Message, StringComparison.Ordinal);
        Assert.Null(unreachable.Key);
    }

    [Fact]
    public async Task An_answer_that_is_not_an_endorsement_key_is_not_shown()
    {
        var bin = Directory.CreateDirectory(Path.Combine(_folder, "fake")).FullName;
        // tpm2-tools that write something else: the first twelve bytes of a key.
        var fake = Path.Combine(bin, "tpm2_readpublic");
        File.WriteAllText(fake, "#!/bin/sh\nwhile [ $# -gt 0 ]; do [ \"$1\" = -o ] && printf '\\001\\072\\000\\001\\000\\013' > \"$2\"; shift; done\n");
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var run = await new TpmEkAction(new ShellGuest(Device(), _tpm.Tcti, bin + ":" + Environment.GetEnvironmentVariable("PATH"))).RunAsync(CancellationToken.None);
        Assert.Equal("the guest's endorsement key is not a TPM2B_PUBLIC of an endorsement key: a TPM2B_PUBLIC of 6 bytes says it holds 314", run.Failure!.Message);
    }
}
