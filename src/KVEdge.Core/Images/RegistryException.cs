namespace KVEdge.Core.Images;

public sealed class RegistryException(string message) : Exception(message);
