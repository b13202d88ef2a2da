namespace KVEdge.Core.Actions;

/// <summary>
/// What registration did for one device: each change made (or that a dry run would make) as a line for a person, the
/// device key the service holds for it (for the credentials Secret only), and the error that stopped it.
/// </summary>
public sealed record RegistrationOutcome(string Namespace, string Name, IReadOnlyList<string> Changes, DeviceKey? Key, string? Error, bool Conflict = false)
{
    public bool Succeeded => Error is null;
}
