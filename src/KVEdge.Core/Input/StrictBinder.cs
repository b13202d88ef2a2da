using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using KVEdge.Core.Diagnostics;
using KVEdge.Core.Spec;
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
        var info = (JsonTypeInfo<T>)SpecJsonContext.Default.GetTypeInfo(typeof(T))!;

        // Checked first into a JSON tree (every error reported, each with its path), then built by the source-generated
        // serializer: the tree holds only fields and types the checks accepted, so the build itself cannot fail.
        var tree = binder.BindNode(info, document.Root, "", sensitive: false);
        var value = tree is null ? new T() : tree.Deserialize(info) ?? new T();
        return new BindingResult<T>(value, document, binder._locations);
    }

    private JsonNode? BindNode(JsonTypeInfo info, YamlNode node, string path, bool sensitive)
    {
        _locations[path] = _document.Locate(node);
        var type = info.Type;
        var underlying = Nullable.GetUnderlyingType(type) ?? type;

        if (!TagFits(node, underlying, path))
        {
            return null;
        }

        if (node is YamlScalarNode scalar && IsNull(scalar))
        {
            return null;
        }

        if (underlying == typeof(string))
        {
            return BindString(scalarOrError(node, path, "a string"), path, sensitive) is { } text ? JsonValue.Create(text) : null;
        }

        if (underlying == typeof(int) || underlying == typeof(long))
        {
            var s = scalarOrError(node, path, "an integer");
            if (s is null)
            {
                return null;
            }

            if (IsPlainOrOverride(s) && HasLeadingZero(s.Value!))
            {
                Error(path, node, "type", $"{Describe(s, sensitive)} has a leading zero, which YAML 1.1 readers (kubectl, helm) take as octal ({OctalOrNot(s.Value!)}) and others as decimal; write the number without it");
                return null;
            }

            if ((IsPlainOrOverride(s) || TagOf(s) == IntTag) && long.TryParse(s.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
            {
                if (underlying == typeof(int) && (n < int.MinValue || n > int.MaxValue))
                {
                    Error(path, node, "type", "the integer is out of range");
                    return null;
                }

                return JsonValue.Create(n);
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
                return JsonValue.Create(b);
            }

            Error(path, node, "type", $"expected true or false, got {Describe(s, sensitive)}");
            return null;
        }

        if (underlying == typeof(double))
        {
            var s = scalarOrError(node, path, "a number");
            if (s is not null && IsPlainOrOverride(s) && double.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
            {
                return JsonValue.Create(d);
            }

            if (s is not null)
            {
                Error(path, node, "type", $"expected a number, got {Describe(s, sensitive)}");
            }

            return null;
        }

        if (underlying == typeof(IDictionary<string, string>))
        {
            return BindDictionary(SpecJsonContext.Default.String, node, path, sensitive);
        }

        switch (info.Kind)
        {
            case JsonTypeInfoKind.Dictionary when info.KeyType == typeof(string):
                return BindDictionary(ElementInfo(info), node, path, sensitive);
            case JsonTypeInfoKind.Enumerable:
                return BindList(ElementInfo(info), node, path, sensitive);
            case JsonTypeInfoKind.Object:
                return BindObject(underlying, node, path);
            default:
                throw new NotSupportedException($"StrictBinder cannot bind {underlying}");
        }

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

    private static JsonTypeInfo ElementInfo(JsonTypeInfo info) =>
        info.Options.GetTypeInfo(info.ElementType ?? throw new NotSupportedException($"{info.Type} has no element type"));

    private string? BindString(YamlScalarNode? s, string path, bool sensitive)
    {
        if (s is null)
        {
            return null;
        }

        // A plain `123` or `true` is a number or a boolean in YAML; Kubernetes refuses it for a string field. `!!str 123`
        // says it is a string.
        if (s.Style == ScalarStyle.Plain && TagOf(s) != StrTag && !_document.IsOverride(s) && ResolvePlain(s.Value!) is { } kind)
        {
            Error(path, s, "type", $"expected a string, got {kind} {(sensitive ? "(value hidden)" : DisplayText.Value(s.Value))}; quote it");
            return null;
        }

        return s.Value;
    }

    private JsonObject? BindObject(Type type, YamlNode node, string path)
    {
        if (node is not YamlMappingNode mapping)
        {
            Error(path, node, "type", $"expected a mapping, got {(node is YamlSequenceNode ? "a list" : "a scalar")}");
            return null;
        }

        var shape = SpecFields.Of(type);
        var result = new JsonObject();
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

            var value = BindNode(field.Property.Options.GetTypeInfo(field.Property.PropertyType), valueNode, childPath, field.Sensitive);
            if (value is not null)
            {
                // A key written twice keeps its last value, as the YAML parser's own tree would.
                result[key] = value;
            }
        }

        return result;
    }

    private JsonArray? BindList(JsonTypeInfo item, YamlNode node, string path, bool sensitive)
    {
        if (node is not YamlSequenceNode sequence)
        {
            Error(path, node, "type", "expected a list");
            return null;
        }

        var list = new JsonArray();
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            if (BindNode(item, sequence.Children[i], string.Create(CultureInfo.InvariantCulture, $"{path}[{i}]"), sensitive) is { } value)
            {
                list.Add(value);
            }
        }

        return list;
    }

    private JsonObject? BindDictionary(JsonTypeInfo value, YamlNode node, string path, bool sensitive)
    {
        if (node is not YamlMappingNode mapping)
        {
            Error(path, node, "type", "expected a mapping of keys to values");
            return null;
        }

        var dictionary = new JsonObject();
        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? "";
            if (BindNode(value, valueNode, $"{path}[{key}]", sensitive) is { } item)
            {
                dictionary[key] = item;
            }
        }

        return dictionary;
    }

    private const string StrTag = "tag:yaml.org,2002:str";
    private const string IntTag = "tag:yaml.org,2002:int";

    /// <summary>
    /// An explicit tag is honoured only where it says what the field is (`!!str` on a string, `!!int` on an integer,
    /// `!!float` or `!!int` on a number, `!!bool`, `!!map`, `!!seq`, `!!null`): `!!float 4` on an integer field, or a
    /// tag no core schema knows (`!foo`, `!!binary`), was silently read as something else. "!" (non-specific) is plain.
    /// </summary>
    private bool TagFits(YamlNode node, Type underlying, string path)
    {
        if (TagOf(node) is not { } tag)
        {
            return true;
        }

        const string Core = "tag:yaml.org,2002:";
        var fits = tag switch
        {
            Core + "null" => node is YamlScalarNode { Value: null or "" or "~" or "null" or "Null" or "NULL" },
            Core + "map" => node is YamlMappingNode,
            Core + "seq" => node is YamlSequenceNode,
            StrTag => node is YamlScalarNode && underlying == typeof(string),
            IntTag => node is YamlScalarNode && (underlying == typeof(int) || underlying == typeof(long) || underlying == typeof(double)),
            Core + "float" => node is YamlScalarNode && underlying == typeof(double),
            Core + "bool" => node is YamlScalarNode && underlying == typeof(bool),
            _ => false,
        };
        if (!fits)
        {
            var shown = tag.StartsWith(Core, StringComparison.Ordinal) ? "!!" + tag[Core.Length..] : tag;
            Error(path, node, "type", $"the tag {DisplayText.Quote(shown)} does not fit this field; write the value without a tag");
        }

        return fits;
    }

    // YamlDotNet's TagName throws for the empty and the non-specific ("!") tag: neither names a type.
    private static string? TagOf(YamlNode node) => node.Tag.IsEmpty || node.Tag.IsNonSpecific ? null : node.Tag.Value;

    private static bool HasLeadingZero(string value)
    {
        var digits = value.TrimStart('+', '-');
        return digits.Length > 1 && digits[0] == '0' && digits.All(char.IsAsciiDigit);
    }

    private static string OctalOrNot(string value)
    {
        var digits = value.TrimStart('+', '-');
        return digits.All(c => c is >= '0' and <= '7') ? $"{value} is {Convert.ToInt64(digits, 8).ToString(CultureInfo.InvariantCulture)} to them" : "or refuse it";
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

    private void Error(string path, YamlNode node, string rule, string message) =>
        _diagnostics.Add(new Diagnostic(Severity.Error, _document.Locate(node), path, rule, message));
}
