using System.Text.Json.Nodes;

namespace KVEdge.Core.Kube;

public sealed record WatchEventData(string Type, JsonObject Item);
