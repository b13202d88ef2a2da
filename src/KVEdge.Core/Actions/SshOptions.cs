namespace KVEdge.Core.Actions;

/// <summary>
/// How to reach a device over SSH and what to run there. <see cref="ProxyCommand"/> is the command OpenSSH runs to carry
/// the connection through the API server (kvedge's own `port-forward --stdio`), needed for <see cref="SshRoute.Api"/>.
/// </summary>
public sealed record SshOptions(string Namespace, string Device, string? User = null, string? Identity = null)
{
    public SshRoute Route { get; init; } = SshRoute.Api;

    public string? ProxyCommand { get; init; }

    /// <summary>ssh's UserKnownHostsFile; OpenSSH's own default when null.</summary>
    public string? KnownHostsFile { get; init; }

    /// <summary>More ssh -o options, as the user gave them.</summary>
    public IReadOnlyList<string> ExtraOptions { get; init; } = [];

    /// <summary>
    /// For commands no person answers (health, logs, support-bundle): never prompt (BatchMode), and take a device's host
    /// key the first time it is seen, refusing a changed one (StrictHostKeyChecking=accept-new, as always through the API).
    /// </summary>
    public bool NonInteractive { get; init; }

    /// <summary>The command line to run in the guest (<see cref="GuestCommands"/>); a login shell when null.</summary>
    public string? RemoteCommand { get; init; }

    /// <summary>Ask for a terminal in the guest (ssh -t), as `kubectl exec -t`.</summary>
    public bool Tty { get; init; }

    /// <summary>Pass standard input to the guest (else ssh -n), as `kubectl exec -i`.</summary>
    public bool Stdin { get; init; } = true;
}
