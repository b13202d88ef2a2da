using System.Text.Json.Serialization;

namespace KVEdge.Core.Spec;

/// <summary>
/// Source-generated metadata of the spec's type graph (EdgeDevice down to the Kubernetes affinity and toleration
/// types): the strict binder (Input) reads field names, types and attributes from it (through <see cref="SpecFields"/>) and builds the object through it, so
/// binding needs no reflection and works the same in the NativeAOT binary.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, Converters = [typeof(SortedStringMapConverter)])]
[JsonSerializable(typeof(EdgeDevice))]
internal sealed partial class SpecJsonContext : JsonSerializerContext;
