using KVEdge.Core.Spec;

namespace KVEdge.Core.Actions;

public sealed record ConfigTomlOptions(EdgeDevice Device, string Namespace, bool ShowSecrets);
