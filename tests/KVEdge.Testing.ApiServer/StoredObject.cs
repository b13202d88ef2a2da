using System.Text.Json.Nodes;

namespace KVEdge.Testing.ApiServer;

public sealed class StoredObject(ResourceType type, JsonObject obj, Dictionary<string, ManagedEntry> managers)
{
    public ResourceType Type { get; } = type;

    public JsonObject Object { get; } = obj;

    public Dictionary<string, ManagedEntry> Managers { get; } = managers;

    // Serialized once, on the first list that needs it: a stored object is replaced on every commit, never changed.
    private string? _json;

    public string Json => _json ??= Object.ToJsonString();

    public string Name => Object["metadata"]!["name"]!.GetValue<string>();

    public string? Namespace => Object["metadata"]?["namespace"]?.GetValue<string>();
}
