using System.CommandLine;
using KVEdge.Cli.Console;
using KVEdge.Core.Actions;
using KVEdge.Core.Kube;

namespace KVEdge.Cli.Commands;

/// <summary>
/// How the verbs that reach into the guest (ssh, exec, health, logs, support-bundle, status --health) log in: --via,
/// --user, --identity, --known-hosts and --ssh-option, and the ssh command line they make of them and the device.
/// Through the API server, OpenSSH's ProxyCommand is this kvedge's `port-forward --stdio` with the same cluster flags.
/// </summary>
internal sealed class GuestAccess
{
    /// <summary>virtctl ssh's known-hosts file (pkg/virtctl/ssh, --known-hosts default), shared with it: the same vmi/NAME.NAMESPACE host names.</summary>
    public const string KnownHostsFile = "kubevirt_known_hosts";

    private readonly ClusterOptions _cluster;
    private readonly ICliConsole _console;

    public GuestAccess(ICliConsole console, ClusterOptions cluster, bool identityShortFlag)
    {
        _console = console;
        _cluster = cluster;
        Identity = identityShortFlag
            ? new Option<string?>("--identity", "-i") { Description = "Private key file passed to ssh -i." }
            : new Option<string?>("--identity") { Description = "Private key file passed to ssh -i." };
    }

    public Option<string> Via { get; } = ViaOption();

    public Option<string?> User { get; } = new("--user", "-l") { Description = "Login user (default: the spec's ssh.user, from the VM's kvedge.io/ssh-user annotation)." };

    public Option<string?> Identity { get; }

    public Option<string?> KnownHosts { get; } = new("--known-hosts") { Description = $"ssh's known-hosts file (default through the API server: ~/.ssh/{KnownHostsFile}, as virtctl ssh; through the Service: ssh's own)." };

    public Option<string[]> SshOptions { get; } = new("--ssh-option") { Description = "An option passed to ssh as -o OPTION (repeatable), e.g. --ssh-option ConnectTimeout=10.", Arity = ArgumentArity.ZeroOrMore };

    public IEnumerable<Option> All => [Via, User, Identity, KnownHosts, SshOptions];

    /// <summary>
    /// Whether ssh has a key to log in with, told or not: --identity, an agent, or one of ssh_config(5)'s default
    /// IdentityFile names. Without one every login fails, so a verb that only may log in does not try.
    /// </summary>
    public bool HasKey(ParseResult result) =>
        result.GetValue(Identity) is not null
        || _console.GetEnvironmentVariable("SSH_AUTH_SOCK") is { Length: > 0 }
        || (_console.GetEnvironmentVariable("HOME") is { Length: > 0 } home && DefaultIdentities.Any(k => File.Exists(Path.Combine(home, ".ssh", k))));

    private static readonly string[] DefaultIdentities = ["id_rsa", "id_ecdsa", "id_ecdsa_sk", "id_ed25519", "id_ed25519_sk"];

    private static Option<string> ViaOption()
    {
        var option = new Option<string>("--via") { Description = "api: through the API server (KubeVirt's portforward, any expose type); service: the device's Service from outside the cluster.", DefaultValueFactory = _ => "api" };
        option.AcceptOnlyFromAmong("api", "service");
        return option;
    }

    /// <summary>
    /// Runs a guest verb's body with the cluster client, the namespace and the ssh arguments that reach
    /// <paramref name="device"/>; a device that cannot be reached that way is one line and its exit code, before ssh.
    /// </summary>
    public Task<int> RunAsync(ParseResult result, HumanOutput human, string device, bool nonInteractive,
        Func<IClusterClient, string, IReadOnlyList<string>, Task<int>> body, CancellationToken ct, string? remoteCommand = null, bool tty = false, bool stdin = true) =>
        _cluster.RunAsync(result, async (client, ns) =>
        {
            var ssh = await ResolveAsync(result, client, ns, device, nonInteractive, ct, remoteCommand, tty, stdin).ConfigureAwait(false);
            if (ssh.Failure is { } failure)
            {
                human.Failure(failure.Message);
                return ExitCodes.For(failure.Kind);
            }

            return await body(client, ns, ssh.Arguments).ConfigureAwait(false);
        });

    /// <summary>
    /// How registration reads a DPS TPM device's endorsement key from its running VM (`kvedge tpm ek`'s way), or null
    /// when ssh has no key to log in with.
    /// </summary>
    public Func<string, string, CancellationToken, Task<TpmEkResult>>? EndorsementKeyReader(ParseResult result, IClusterClient client) =>
        HasKey(result)
            ? (ns, device, ct) => new TpmEkAction(new ResolvingGuestShell(() => ResolveAsync(result, client, ns, device, nonInteractive: true, ct, stdin: false), _console)).RunAsync(ct)
            : null;

    /// <summary>The ssh arguments that reach <paramref name="device"/> (a remote command may follow them), or why none do.</summary>
    public Task<SshResult> ResolveAsync(ParseResult result, IClusterClient client, string ns, string device, bool nonInteractive, CancellationToken ct,
        string? remoteCommand = null, bool tty = false, bool stdin = true)
    {
        var console = _console;
        var route = result.GetValue(Via) == "service" ? SshRoute.Service : SshRoute.Api;
        var knownHosts = result.GetValue(KnownHosts) is { } given ? given : route == SshRoute.Api ? DefaultKnownHosts(console) : null;
        var options = new Core.Actions.SshOptions(ns, device, result.GetValue(User), result.GetValue(Identity))
        {
            Route = route,
            ProxyCommand = route == SshRoute.Api ? ProxyCommand(result, ns, device) : null,
            KnownHostsFile = knownHosts,
            ExtraOptions = result.GetValue(SshOptions) ?? [],
            NonInteractive = nonInteractive,
            RemoteCommand = remoteCommand,
            Tty = tty,
            Stdin = stdin,
        };
        return new SshAction(client).RunAsync(options, ct);
    }

    // kvedge port-forward --stdio -n NS [--kubeconfig K] [--context C] NAME 22, quoted for the shell ssh runs it with.
    private string ProxyCommand(ParseResult result, string ns, string device)
    {
        List<string> words = [.. SelfInvocation.Command(), "port-forward", "--stdio", "-n", ns];
        if (result.GetValue(_cluster.Kubeconfig) is { } kubeconfig)
        {
            words.AddRange(["--kubeconfig", Path.GetFullPath(kubeconfig)]);
        }

        if (result.GetValue(_cluster.Context) is { } context)
        {
            words.AddRange(["--context", context]);
        }

        words.AddRange([device, SshAction.GuestSshPort.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        return string.Join(' ', words.Select(GuestCommands.Quote));
    }

    private static string? DefaultKnownHosts(ICliConsole console)
    {
        if (console.GetEnvironmentVariable("HOME") is not { Length: > 0 } home)
        {
            return null;
        }

        var folder = Path.Combine(home, ".ssh");
        if (!Directory.Exists(folder))
        {
            // ssh refuses a ~/.ssh others can write to; 0700 as ssh-keygen makes it.
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(folder);
            }
            else
            {
                Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        return Path.Combine(folder, KnownHostsFile);
    }
}
