using System.Text.Json.Nodes;

namespace KVEdge.Testing;

/// <summary>What structured-merge-diff answered for one step: the object after it (null before it exists), every
/// manager's fields (manager, operation, fieldsV1), and the conflicts that refused it, as "manager path".</summary>
public sealed record SsaOutcome(JsonObject? Live, IReadOnlyList<(string Manager, string Operation, JsonNode FieldsV1)> Managed, IReadOnlyList<string> Conflicts);
