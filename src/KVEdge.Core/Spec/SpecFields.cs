using System.Collections.Concurrent;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace KVEdge.Core.Spec;

/// <summary>
/// The spec's fields as its source-generated metadata gives them (<see cref="SpecJsonContext"/>): what the strict binder
/// accepts in input, and what the schema, the CRD and the defaults are generated from. Here, with the spec, so that
/// reading input depends on the spec and never the other way round.
/// </summary>
public static class SpecFields
{
    private static readonly ConcurrentDictionary<Type, IReadOnlyDictionary<string, SpecField>> Shapes = new();

    /// <summary>The field names a type accepts in YAML, for suggestions and documentation.</summary>
    public static IReadOnlyDictionary<string, SpecField> Of(Type type) => Shapes.GetOrAdd(type, static t =>
    {
        var map = new Dictionary<string, SpecField>(StringComparer.Ordinal);
        var info = SpecJsonContext.Default.GetTypeInfo(t) ?? throw new NotSupportedException($"{t.Name} is not part of the spec");
        foreach (var p in info.Properties)
        {
            var attributes = p.AttributeProvider;
            if (p.Set is null || (attributes?.IsDefined(typeof(JsonIgnoreAttribute), false) ?? false))
            {
                continue;
            }

            map[p.Name] = new SpecField(p,
                attributes?.IsDefined(typeof(CredentialAttribute), false) ?? false,
                attributes?.IsDefined(typeof(IgnoredOnInputAttribute), false) ?? false);
        }

        return map;
    });

    /// <summary>The metadata the binder reads and builds a type through.</summary>
    public static JsonTypeInfo InfoOf(Type type) =>
        SpecJsonContext.Default.GetTypeInfo(type) ?? throw new NotSupportedException($"{type.Name} is not part of the spec");

    /// <summary>A new instance of a spec type, with the defaults its initialisers give.</summary>
    public static object New(Type type) =>
        SpecJsonContext.Default.GetTypeInfo(type)?.CreateObject?.Invoke() ?? throw new NotSupportedException($"{type.Name} cannot be created");
}
