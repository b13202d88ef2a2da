using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace KVEdge.Core.Kube;

/// <summary>metav1.Time on the wire: RFC 3339 in UTC, to the second (kubernetes/apimachinery pkg/apis/meta/v1/time.go).</summary>
internal sealed class Rfc3339TimeConverter : JsonConverter<DateTime>
{
    public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        DateTime.Parse(reader.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

    public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToUniversalTime().ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'Z'", CultureInfo.InvariantCulture));
}
