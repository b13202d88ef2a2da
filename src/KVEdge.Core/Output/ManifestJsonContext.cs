using System.Text.Json.Serialization;
using k8s.Models;
using KVEdge.Core.Kubernetes;

namespace KVEdge.Core.Output;

/// <summary>
/// Source-generated serialization for every object kind kvedge renders: no reflection warm-up, which was most of
/// the cost of rendering a fleet. Same wire shape as KubernetesJson (camelCase, nulls omitted).
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(V1Secret))]
[JsonSerializable(typeof(V1Service))]
[JsonSerializable(typeof(V1ConfigMap))]
[JsonSerializable(typeof(VirtualMachine))]
[JsonSerializable(typeof(DataVolume))]
internal sealed partial class ManifestJsonContext : JsonSerializerContext;
