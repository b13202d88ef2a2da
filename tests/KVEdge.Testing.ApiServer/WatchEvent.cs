using System.Text.Json.Nodes;

namespace KVEdge.Testing.ApiServer;

public sealed record WatchEvent(long ResourceVersion, ResourceType Type, string EventType, JsonObject Object);
