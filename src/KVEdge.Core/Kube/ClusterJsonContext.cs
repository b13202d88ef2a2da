using System.Text.Json;
using System.Text.Json.Serialization;
using k8s.Models;

namespace KVEdge.Core.Kube;

/// <summary>
/// Source-generated JSON for the typed core objects the cluster returns, turned back into JSON trees for callers.
/// KubernetesClient.Aot's own context has no metadata for the JsonElement a managedFields entry's fieldsV1 holds, so
/// writing a read Secret back through it fails; this context has it, and writes times as the API server does (RFC 3339).
/// </summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, Converters = [typeof(Rfc3339TimeConverter)])]
[JsonSerializable(typeof(V1Secret))]
[JsonSerializable(typeof(V1ConfigMap))]
[JsonSerializable(typeof(V1Service))]
[JsonSerializable(typeof(V1PersistentVolumeClaim))]
[JsonSerializable(typeof(JsonElement))]
internal sealed partial class ClusterJsonContext : JsonSerializerContext;
