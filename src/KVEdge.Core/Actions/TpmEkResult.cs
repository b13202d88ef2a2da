using KVEdge.Core.Attestation;

namespace KVEdge.Core.Actions;

/// <summary>The TPM's endorsement key (and whether it was the persistent one at 0x81010001), or why there is none.</summary>
public sealed record TpmEkResult(EndorsementKey? Key, bool Persistent, ActionFailure? Failure);
