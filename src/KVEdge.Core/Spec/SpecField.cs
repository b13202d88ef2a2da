using System.Text.Json.Serialization.Metadata;

namespace KVEdge.Core.Spec;

/// <summary>One settable property of a spec type and what its attributes say, read once per type.</summary>
public sealed record SpecField(JsonPropertyInfo Property, bool Sensitive, bool Ignored);
