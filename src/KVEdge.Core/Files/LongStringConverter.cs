using System.Text.Json;
using System.Text.Json.Serialization;

namespace KVEdge.Core.Files;

/// <summary>Writes long strings as <see cref="LongStrings"/> placeholders while a scope is open; only for the YAML intermediate.</summary>
internal sealed class LongStringConverter : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetString();

    // Strings are also the keys of every map (labels, a ConfigMap's data): those are written as they are.
    public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetString()!;

    public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WritePropertyName(value);

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options)
    {
        if (value.Length >= LongStrings.MinLength && LongStrings.Placeholder(value) is { } placeholder)
        {
            writer.WriteStringValue(placeholder);
            return;
        }

        writer.WriteStringValue(value);
    }
}
