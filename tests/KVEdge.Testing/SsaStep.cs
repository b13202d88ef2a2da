using System.Text.Json.Nodes;

namespace KVEdge.Testing;

/// <summary>One step of a server-side apply scenario: an apply (with or without force) or an update by a manager.</summary>
public sealed record SsaStep(string Manager, string Operation, bool Force, JsonObject Body);
