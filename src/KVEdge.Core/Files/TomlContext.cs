using Tomlyn.Model;
using Tomlyn.Serialization;

namespace KVEdge.Core.Files;

/// <summary>
/// Source-generated TOML (de)serialization of the document model, so config.toml is read and written without
/// reflection: the NativeAOT binary has no reflection metadata for Tomlyn's reflection-based serializer to use.
/// </summary>
[TomlSerializable(typeof(TomlTable))]
internal sealed partial class TomlContext : TomlSerializerContext;
