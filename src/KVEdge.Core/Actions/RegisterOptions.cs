namespace KVEdge.Core.Actions;

/// <summary>How registration runs.</summary>
/// <param name="DryRun">Read only: say what would change, write nothing anywhere.</param>
/// <param name="ForceIdentity">Overwrite an existing identity or enrollment of another authentication type (--force-identity).</param>
public sealed record RegisterOptions(bool DryRun, bool ForceIdentity)
{
    /// <summary>How many devices are registered at once; the services throttle per unit, and every worker honours a 429.</summary>
    public int Concurrency { get; init; } = 8;

    /// <summary>
    /// Reads a device's TPM endorsement key from its running VM (namespace, name), for a DPS TPM enrollment; the CLI's
    /// is `kvedge tpm ek` over SSH. Without one a TPM enrollment that does not exist yet waits (<see cref="RegistrationOutcome.Pending"/>).
    /// </summary>
    public Func<string, string, CancellationToken, Task<TpmEkResult>>? ReadEndorsementKey { get; init; }
}
