namespace KVEdge.Core.Actions;

/// <summary>Registration cannot go on for one device; the message names the field or the identity, never a key.</summary>
public sealed class RegistrationException(string message, bool conflict = false) : Exception(message)
{
    /// <summary>An identity of another authentication type stands in the way (--force-identity; exit 5).</summary>
    public bool Conflict { get; } = conflict;
}
