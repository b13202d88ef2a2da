namespace KVEdge.Core.Actions;

/// <summary>
/// What registration did for one device: each change made (or that a dry run would make) as a line for a person, the
/// device key the service holds for it (for the credentials Secret only), and the error that stopped it or what it waits for.
/// </summary>
public sealed record RegistrationOutcome(string Namespace, string Name, IReadOnlyList<string> Changes, DeviceKey? Key, string? Error, bool Conflict = false)
{
    public bool Succeeded => Error is null;

    /// <summary>
    /// Registration cannot finish yet and no one is at fault: a DPS TPM enrollment waits for the endorsement key of a VM
    /// that does not run yet. The device is applied all the same (it has to run to have the key); the next run enrolls it.
    /// </summary>
    public string? Pending { get; init; }
}
