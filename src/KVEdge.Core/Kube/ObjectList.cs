using System.Text.Json.Nodes;

namespace KVEdge.Core.Kube;

public sealed record ObjectList(IReadOnlyList<JsonObject> Items, string? ResourceVersion);
