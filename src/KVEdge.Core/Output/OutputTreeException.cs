namespace KVEdge.Core.Output;

/// <summary>A GitOps tree that cannot be written safely; the message says where and why, and nothing was written.</summary>
public sealed class OutputTreeException(string message) : Exception(message);
