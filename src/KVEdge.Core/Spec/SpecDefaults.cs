using System.Globalization;
using System.Text.Json.Nodes;

namespace KVEdge.Core.Spec;

/// <summary>
/// The defaults a spec type gives its fields, read from a new instance through the strict binder's field list, so the
/// Helm chart applies the same defaults the C# types do (files/defaults.yaml) instead of typing them a second time.
/// </summary>
public static class SpecDefaults
{
    /// <summary>Every field of a new <paramref name="type"/> that has a value: scalars, string lists and nested spec objects.</summary>
    public static JsonObject Of(Type type) => Of(SpecFields.New(type));

    private static JsonObject Of(object instance)
    {
        var result = new JsonObject();
        foreach (var (name, field) in SpecFields.Of(instance.GetType()).OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (!field.Ignored && Node(field.Property.Get!(instance)) is { } node)
            {
                result[name] = node;
            }
        }

        return result;
    }

    private static JsonNode? Node(object? value) => value switch
    {
        null => null,
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        int i => JsonValue.Create(i),
        IEnumerable<string> list => new JsonArray([.. list.Select(item => (JsonNode?)item)]),
        _ when value.GetType().Namespace == typeof(SpecDefaults).Namespace && value.GetType().IsClass => Of(value),
        _ => throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"no default form for a {value.GetType().Name}")),
    };
}
