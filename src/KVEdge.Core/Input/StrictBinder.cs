using System.Collections;
using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using System.Text.Json.Serialization;
using KVEdge.Core.Diagnostics;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace KVEdge.Core.Input;

/// <summary>
/// Reads a YAML node tree into typed objects the way the API server's strict field validation does:
/// unknown fields and wrong types are errors, every one is reported, and each names its field path.
/// Plain scalars follow the YAML core schema (so <c>cores: "2"</c> is a string and is refused for an integer).
/// </summary>
public sealed class StrictBinder
{
    private static readonly ConcurrentDictionary<Type, IReadOnlyDictionary<string, Field>> Shapes = new();

    private readonly InputDocument _document;
    private readonly DiagnosticBag _diagnostics;
    private readonly Dictionary<string, SourceLocation> _locations = new(StringComparer.Ordinal);

    private StrictBinder(InputDocument document, DiagnosticBag diagnostics)
    {
        _document = document;
        _diagnostics = diagnostics;
    }

    public static BindingResult<T> Bind<T>(InputDocument document, DiagnosticBag diagnostics)
        where T : class, new()
    {
        var binder = new StrictBinder(document, diagnostics);
        binder._locations[""] = document.Locate(document.Root);
        var value = (T?)binder.BindNode(typeof(T), document.Root, "", sensitive: false) ?? new T();
        return new BindingResult<T>(value, document, binder._locations);
    }

    /// <summary>The field names a type accepts in YAML, for suggestions and documentation.</summary>
    public static IReadOnlyDictionary<string, Field> FieldsOf(Type type) => Shapes.GetOrAdd(type, static t =>
    {
        var map = new Dictionary<string, Field>(StringComparer.Ordinal);
        foreach (var p in t.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (!p.CanWrite || p.GetIndexParameters().Length > 0 || p.GetCustomAttribute<JsonIgnoreAttribute>() is not null)
            {
                continue;
            }

            var name = p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? char.ToLowerInvariant(p.Name[0]) + p.Name[1..];
            map[name] = new Field(p, p.GetCustomAttribute<CredentialAttribute>() is not null, p.GetCustomAttribute<IgnoredOnInputAttribute>() is not null);
        }

        return map;
    });

    /// <summary>One settable property and what its attributes say, read once per type.</summary>
    public sealed record Field(PropertyInfo Property, bool Sensitive, bool Ignored);

    private object? BindNode(Type type, YamlNode node, string path, bool sensitive)
    {
        _locations[path] = _document.Locate(node);
        var underlying = Nullable.GetUnderlyingType(type) ?? type;

        if (node is YamlScalarNode scalar && IsNull(scalar))
        {
            return null;
        }

        if (underlying == typeof(string))
        {
            return BindString(scalarOrError(node, path, "a string"), path, sensitive);
        }

        if (underlying == typeof(int) || underlying == typeof(long))
        {
            var s = scalarOrError(node, path, "an integer");
            if (s is null)
            {
                return null;
            }

            if (IsPlainOrOverride(s) && long.TryParse(s.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
            {
                if (underlying == typeof(int) && (n < int.MinValue || n > int.MaxValue))
                {
                    Error(path, node, "type", "the integer is out of range");
                    return null;
                }

                return underlying == typeof(int) ? (object)(int)n : n;
            }

            Error(path, node, "type", $"expected an integer, got {Describe(s, sensitive)}");
            return null;
        }

        if (underlying == typeof(bool))
        {
            var s = scalarOrError(node, path, "true or false");
            if (s is null)
            {
                return null;
            }

            if (IsPlainOrOverride(s) && bool.TryParse(s.Value, out var b))
            {
                return b;
            }

            Error(path, node, "type", $"expected true or false, got {Describe(s, sensitive)}");
            return null;
        }

        if (underlying == typeof(double))
        {
            var s = scalarOrError(node, path, "a number");
            if (s is not null && IsPlainOrOverride(s) && double.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
            {
                return d;
            }

            if (s is not null)
            {
                Error(path, node, "type", $"expected a number, got {Describe(s, sensitive)}");
            }

            return null;
        }

        if (DictionaryValueType(underlying) is { } valueType)
        {
            return BindDictionary(underlying, valueType, node, path, sensitive);
        }

        if (ListItemType(underlying) is { } itemType)
        {
            return BindList(itemType, node, path, sensitive);
        }

        if (underlying.IsClass)
        {
            return BindObject(underlying, node, path);
        }

        throw new NotSupportedException($"StrictBinder cannot bind {underlying}");

        YamlScalarNode? scalarOrError(YamlNode n, string p, string expected)
        {
            if (n is YamlScalarNode s)
            {
                return s;
            }

            Error(p, n, "type", $"expected {expected}, got {(n is YamlSequenceNode ? "a list" : "a mapping")}");
            return null;
        }
    }

    private string? BindString(YamlScalarNode? s, string path, bool sensitive)
    {
        if (s is null)
        {
            return null;
        }

        // A plain `123` or `true` is a number or a boolean in YAML; Kubernetes refuses it for a string field.
        if (s.Style == ScalarStyle.Plain && !_document.IsOverride(s) && ResolvePlain(s.Value!) is { } kind)
        {
            Error(path, s, "type", $"expected a string, got {kind} {(sensitive ? "(value hidden)" : DisplayText.Value(s.Value))}; quote it");
            return null;
        }

        return s.Value;
    }

    private object? BindObject(Type type, YamlNode node, string path)
    {
        if (node is not YamlMappingNode mapping)
        {
            Error(path, node, "type", $"expected a mapping, got {(node is YamlSequenceNode ? "a list" : "a scalar")}");
            return null;
        }

        var shape = FieldsOf(type);
        var instance = Activator.CreateInstance(type)!;
        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? "";
            var childPath = path.Length == 0 ? key : $"{path}.{key}";
            if (!shape.TryGetValue(key, out var field))
            {
                Error(childPath, keyNode, "unknown-field", $"unknown field {DisplayText.Value(key)}{Suggestions.DidYouMean(key, shape.Keys)}");
                continue;
            }

            if (field.Ignored)
            {
                continue;
            }

            // A credential may only arrive from a file named on the command line, never from the spec itself
            // (a GitOps repository would then hold it) nor from --set (shell history would).
            if (field.Sensitive && !(_document.OriginOf(valueNode)?.StartsWith("--set-file ", StringComparison.Ordinal) ?? false)
                && valueNode is not YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "~" or "null" })
            {
                Error(childPath, valueNode, "credential-in-spec",
                    $"credentials are never written in the spec (value not shown): use --set-file {childPath}=FILE, name an environment variable in {key}Env, or set existingSecret");
                continue;
            }

            var value = BindNode(field.Property.PropertyType, valueNode, childPath, field.Sensitive);
            if (value is not null)
            {
                field.Property.SetValue(instance, value);
            }
        }

        return instance;
    }

    private object? BindList(Type itemType, YamlNode node, string path, bool sensitive)
    {
        if (node is not YamlSequenceNode sequence)
        {
            Error(path, node, "type", "expected a list");
            return null;
        }

        var list = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(itemType))!;
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            var item = BindNode(itemType, sequence.Children[i], string.Create(CultureInfo.InvariantCulture, $"{path}[{i}]"), sensitive);
            if (item is not null)
            {
                list.Add(item);
            }
        }

        return list;
    }

    private object? BindDictionary(Type dictionaryType, Type valueType, YamlNode node, string path, bool sensitive)
    {
        if (node is not YamlMappingNode mapping)
        {
            Error(path, node, "type", "expected a mapping of keys to values");
            return null;
        }

        // Sorted so that rendered output never depends on the order keys were written in.
        var concrete = typeof(SortedDictionary<,>).MakeGenericType(typeof(string), valueType);
        var dictionary = (IDictionary)Activator.CreateInstance(concrete, StringComparer.Ordinal)!;
        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? "";
            var value = BindNode(valueType, valueNode, $"{path}[{key}]", sensitive);
            if (value is not null)
            {
                dictionary[key] = value;
            }
        }

        return dictionaryType.IsAssignableFrom(concrete) ? dictionary : null;
    }

    private bool IsPlainOrOverride(YamlScalarNode s) => s.Style == ScalarStyle.Plain || _document.IsOverride(s);

    private static bool IsNull(YamlScalarNode s) =>
        s.Style == ScalarStyle.Plain && s.Value is null or "" or "~" or "null" or "Null" or "NULL";

    /// <summary>The YAML core-schema type of a plain scalar when it is not a string.</summary>
    internal static string? ResolvePlain(string value)
    {
        if (value is "true" or "True" or "TRUE" or "false" or "False" or "FALSE")
        {
            return "boolean";
        }

        if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
        {
            return "integer";
        }

        var looksNumeric = value.Length > 0 && (char.IsAsciiDigit(value[0]) || value[0] is '-' or '+' or '.');
        return looksNumeric && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _) ? "number" : null;
    }

    private static string Describe(YamlScalarNode s, bool sensitive) =>
        sensitive ? "a value (hidden)" : $"{DisplayText.Value(s.Value)}";

    private static Type? DictionaryValueType(Type type)
    {
        foreach (var candidate in type.IsInterface ? [type, .. type.GetInterfaces()] : type.GetInterfaces())
        {
            if (candidate.IsGenericType && candidate.GetGenericTypeDefinition() == typeof(IDictionary<,>)
                && candidate.GetGenericArguments()[0] == typeof(string))
            {
                return candidate.GetGenericArguments()[1];
            }
        }

        return null;
    }

    private static Type? ListItemType(Type type)
    {
        if (type == typeof(string))
        {
            return null;
        }

        foreach (var candidate in type.IsInterface ? [type, .. type.GetInterfaces()] : type.GetInterfaces())
        {
            if (candidate.IsGenericType && candidate.GetGenericTypeDefinition() == typeof(IList<>))
            {
                return candidate.GetGenericArguments()[0];
            }
        }

        return null;
    }

    private void Error(string path, YamlNode node, string rule, string message) =>
        _diagnostics.Add(new Diagnostic(Severity.Error, _document.Locate(node), path, rule, message));
}
