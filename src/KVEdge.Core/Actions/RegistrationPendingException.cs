namespace KVEdge.Core.Actions;

/// <summary>Registration waits for something only a later run can have (a TPM's endorsement key); not a failure.</summary>
public sealed class RegistrationPendingException(string message) : Exception(message);
