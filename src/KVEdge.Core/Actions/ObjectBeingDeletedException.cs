namespace KVEdge.Core.Actions;

/// <summary>An object install needs is still being deleted after <see cref="InstallOptions.DeletionWait"/>.</summary>
public sealed class ObjectBeingDeletedException(string message) : Exception(message);
