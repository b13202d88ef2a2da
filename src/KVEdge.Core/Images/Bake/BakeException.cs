namespace KVEdge.Core.Images.Bake;

public sealed class BakeException(string message) : Exception(message);
