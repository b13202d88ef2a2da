using System.Text.Json.Serialization;

namespace KVEdge.Core.Files;

/// <summary>Source-generated JSON for the few plain types kvedge writes itself (no reflection at start-up).</summary>
[JsonSourceGenerationOptions(WriteIndented = false)]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(System.Text.Json.Nodes.JsonNode))]
internal sealed partial class JsonContext : JsonSerializerContext;
