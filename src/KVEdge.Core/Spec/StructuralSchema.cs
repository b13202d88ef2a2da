using System.Text;
using System.Text.Json.Nodes;

namespace KVEdge.Core.Spec;

/// <summary>
/// The spec's JSON Schema (draft-07, the one helm checks values.yaml against) as a CRD's structural OpenAPI v3 schema,
/// the form the API server requires of a v1 CustomResourceDefinition (https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#specifying-a-structural-schema;
/// kubernetes/apiextensions-apiserver v0.36.3 pkg/apiserver/schema/validation.go): a type on every node, nothing but
/// value checks inside not/allOf/anyOf/oneOf, no `additionalProperties: false` (unknown fields are pruned, or refused with
/// fieldValidation=Strict), no `const`, `if`, `propertyNames`. What draft-07 says with if/then between sibling fields
/// becomes a CEL rule (`x-kubernetes-validations`) on the object that holds them; the idioms SpecConstraints builds to keep
/// helm's messages free of values (a pattern checked twice, a refused pattern as a `false` branch) become the plain
/// pattern and a `not`. A construct this does not know throws, so a new constraint cannot be left out silently.
/// </summary>
public static class StructuralSchema
{
    /// <summary>The structural form of <paramref name="schema"/>.</summary>
    public static JsonObject From(JsonObject schema) => Node(schema, "");

    private static JsonObject Node(JsonObject s, string path)
    {
        var result = new JsonObject();
        var type = TypeOf(s);
        if (type is not null)
        {
            result["type"] = type;
        }

        var nots = new List<JsonObject>();
        var rules = new List<JsonObject>();
        foreach (var (key, value) in s)
        {
            switch (key)
            {
                case "type":
                case "$comment":
                    break;
                case "properties":
                    var properties = new JsonObject();
                    foreach (var (name, sub) in value!.AsObject())
                    {
                        properties[name] = Node(sub!.AsObject(), Join(path, name));
                    }

                    result["properties"] = properties;
                    break;
                case "items":
                    result["items"] = Node(value!.AsObject(), path + "[]");
                    break;
                case "additionalProperties" when value is JsonObject map:
                    result["additionalProperties"] = Node(map, path + "{}");
                    break;
                case "additionalProperties":
                    // false: the API server prunes unknown fields (or refuses them with fieldValidation=Strict).
                    break;
                case "propertyNames":
                    // No structural form (map keys are checked by the validator: a CR whose keys it refuses is Stalled).
                    break;
                case "enum":
                    var values = value!.AsArray().Where(v => v is not null).Select(v => v!.DeepClone()).ToArray();
                    result["enum"] = new JsonArray(values);
                    break;
                case "const":
                    result["enum"] = new JsonArray(value!.DeepClone());
                    break;
                case "required" or "minimum" or "maximum" or "minLength" or "maxLength" or "minItems" or "maxItems" or "pattern" or "description":
                    result[key] = value!.DeepClone();
                    break;
                case "not":
                    nots.Add(ValueOnly(value!.AsObject(), path));
                    break;
                case "anyOf" or "oneOf":
                    result[key] = new JsonArray([.. value!.AsArray().Select(v => (JsonNode)ValueOnly(v!.AsObject(), path))]);
                    break;
                case "allOf":
                    foreach (var part in value!.AsArray())
                    {
                        Fold(part!.AsObject(), result, nots, rules, path);
                    }

                    break;
                case "if" or "then" or "else":
                    break;
                default:
                    throw new InvalidOperationException($"{Where(path)}: no structural form for \"{key}\"");
            }
        }

        if (s.ContainsKey("if"))
        {
            Conditional(s, result, nots, rules, path);
        }

        // An open object (a Kubernetes type the API server checks itself: affinity, tolerations) keeps what it is given.
        if (type == "object" && result["properties"] is null && result["additionalProperties"] is null)
        {
            result["x-kubernetes-preserve-unknown-fields"] = true;
        }

        if (nots.Count == 1)
        {
            result["not"] = nots[0];
        }
        else if (nots.Count > 1)
        {
            var all = result["allOf"] as JsonArray ?? [];
            foreach (var n in nots)
            {
                all.Add((JsonNode)new JsonObject { ["not"] = n });
            }

            result["allOf"] = all;
        }

        if (rules.Count > 0)
        {
            result["x-kubernetes-validations"] = new JsonArray([.. rules]);
        }

        return result;
    }

    // An allOf member: a conditional becomes a rule (or a pattern), anything else a value check.
    private static void Fold(JsonObject part, JsonObject result, List<JsonObject> nots, List<JsonObject> rules, string path)
    {
        if (part.ContainsKey("if"))
        {
            Conditional(part, result, nots, rules, path);
            return;
        }

        var all = result["allOf"] as JsonArray ?? [];
        all.Add((JsonNode)ValueOnly(part, path));
        result["allOf"] = all;
    }

    private static void Conditional(JsonObject s, JsonObject result, List<JsonObject> nots, List<JsonObject> rules, string path)
    {
        var condition = s["if"]!.AsObject();
        var then = s["then"];
        var otherwise = s["else"];

        // SpecConstraints.Pattern: {if: {pattern: P}, else: {if: credential-look, then: false, else: {pattern: P}}}: the
        // value matches P either way (the second check only keeps a credential out of helm's message).
        if (condition.Count == 1 && condition["pattern"] is { } p && then is null && otherwise is JsonObject)
        {
            result["pattern"] = p.DeepClone();
            return;
        }

        // SpecConstraints.Refusing: a value matching R fails (a `false` branch, whose helm message shows no value);
        // any other value is held to the else schema.
        if (condition["pattern"] is { } refused && then is JsonValue t && t.GetValue<bool>() == false)
        {
            nots.Add(new JsonObject { ["pattern"] = refused.DeepClone() });
            if (otherwise is JsonObject rest)
            {
                foreach (var (k, v) in Node(rest, path))
                {
                    if (k == "not")
                    {
                        nots.Add(v!.AsObject().DeepClone().AsObject());
                    }
                    else if (k != "type")
                    {
                        result[k] = v!.DeepClone();
                    }
                }
            }

            return;
        }

        // SpecConstraints.SshKey: {not: X, if: {not: X}, then: T}: X is refused anyway, so T holds for every value.
        if (condition.Count == 1 && condition["not"] is JsonObject negated && JsonNode.DeepEquals(negated, s["not"]) && then is JsonObject always)
        {
            foreach (var (k, v) in Node(always, path))
            {
                if (k != "type")
                {
                    result[k] = v!.DeepClone();
                }
            }

            return;
        }

        // Between sibling fields: a CEL rule on this object.
        if (then is not JsonObject consequence || otherwise is not null)
        {
            throw new InvalidOperationException($"{Where(path)}: no structural form for this if/then/else");
        }

        var rule = $"{Negate(Cel(condition, "self", path))} || {Cel(consequence, "self", path)}";
        var entry = new JsonObject { ["rule"] = rule };
        entry["message"] = s["$comment"]?.GetValue<string>() ?? throw new InvalidOperationException($"{Where(path)}: a rule between fields needs its message ($comment)");
        rules.Add(entry);
    }

    /// <summary>A CEL expression that holds when <paramref name="self"/> satisfies <paramref name="schema"/>, for the
    /// subset the spec's rules use: properties, required, const, enum, not, type null (absent), maxItems, items.</summary>
    private static string Cel(JsonObject schema, string self, string path)
    {
        var parts = new List<string>();
        var required = (schema["required"] as JsonArray)?.Select(n => n!.GetValue<string>()).ToHashSet(StringComparer.Ordinal) ?? [];
        var properties = schema["properties"] as JsonObject ?? [];
        foreach (var (key, value) in schema)
        {
            switch (key)
            {
                case "required":
                    // A required field with a check of its own is said once, below.
                    parts.AddRange(required.Where(n => !properties.ContainsKey(n)).Select(n => $"has({self}.{Field(n)})"));
                    break;
                case "properties":
                    foreach (var (name, sub) in value!.AsObject())
                    {
                        var field = $"{self}.{Field(name)}";
                        var check = Value(sub!.AsObject(), field, path);
                        parts.Add((required.Contains(name), check) switch
                        {
                            (true, "true") => $"has({field})",
                            (true, "false") => "false",
                            (true, _) => $"has({field}) && {check}",
                            (false, "true") => "true",
                            (false, "false") => $"!has({field})",
                            (false, _) => $"(!has({field}) || {check})",
                        });
                    }

                    break;
                case "not":
                    parts.Add($"!({Cel(value!.AsObject(), self, path)})");
                    break;
                default:
                    parts.Add(Value(new JsonObject { [key] = value!.DeepClone() }, self, path));
                    break;
            }
        }

        parts.RemoveAll(p => p == "true");
        return parts.Count == 0 ? "true" : string.Join(" && ", parts);
    }

    // A present value's check (absence is handled by the caller's has()).
    private static string Value(JsonObject schema, string expr, string path)
    {
        var parts = new List<string>();
        foreach (var (key, value) in schema)
        {
            parts.Add(key switch
            {
                "const" => $"{expr} == {Literal(value!)}",
                "enum" => value!.AsArray().Any(v => v is not null)
                    ? $"{expr} in [{string.Join(", ", value.AsArray().Where(v => v is not null).Select(v => Literal(v!)))}]"
                    : "false",
                "not" => $"!({Value(value!.AsObject(), expr, path)})",
                // A field that must be absent: present (nulls are pruned before validation) fails.
                "type" when value!.GetValue<string>() == "null" => "false",
                "type" when value!.GetValue<string>() == "string" => "true",
                "maxItems" => $"size({expr}) <= {value!.ToJsonString()}",
                "items" => $"{expr}.all(i, {Cel(value!.AsObject(), "i", path)})",
                "properties" or "required" => Cel(new JsonObject { [key] = value!.DeepClone() }, expr, path),
                _ => throw new InvalidOperationException($"{Where(path)}: no CEL form for \"{key}\" in a rule between fields"),
            });
        }

        parts.RemoveAll(p => p == "true");
        return parts.Count == 0 ? "true" : parts.Contains("false") ? "false" : string.Join(" && ", parts);
    }

    // Inside not/allOf/anyOf/oneOf only value checks may appear (no type, no description, no nullable).
    private static JsonObject ValueOnly(JsonObject s, string path)
    {
        var result = new JsonObject();
        foreach (var (key, value) in s)
        {
            switch (key)
            {
                case "type":
                    break;
                case "pattern" or "enum" or "minimum" or "maximum" or "minLength" or "maxLength" or "maxItems" or "minItems" or "required":
                    result[key] = value!.DeepClone();
                    break;
                case "const":
                    result["enum"] = new JsonArray(value!.DeepClone());
                    break;
                case "not":
                    result["not"] = ValueOnly(value!.AsObject(), path);
                    break;
                case "anyOf" or "allOf" or "oneOf":
                    result[key] = new JsonArray([.. value!.AsArray().Select(v => (JsonNode)ValueOnly(v!.AsObject(), path))]);
                    break;
                default:
                    throw new InvalidOperationException($"{Where(path)}: \"{key}\" cannot stand inside not/allOf/anyOf/oneOf of a structural schema");
            }
        }

        return result;
    }

    // A node's type, said or, where the draft-07 schema leaves it to the value checks (a map of annotation values, an
    // enum), the one those checks imply: a structural schema needs a type on every node.
    private static string? TypeOf(JsonObject s) => s["type"] switch
    {
        JsonValue v => v.GetValue<string>(),
        JsonArray a => a.Select(t => t!.GetValue<string>()).First(t => t != "null"),
        _ when s["enum"] is JsonArray values && values.Where(v => v is not null).Select(v => v!.GetValueKind()).Distinct().ToList() is [var kind] =>
            kind == System.Text.Json.JsonValueKind.String ? "string" : kind is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False ? "boolean" : "number",
        _ when Implies(s, "pattern", "maxLength", "minLength") => "string",
        _ when Implies(s, "properties", "required") => "object",
        _ when Implies(s, "items", "maxItems", "minItems") => "array",
        _ => null,
    };

    private static readonly string[] Junctors = ["anyOf", "allOf", "oneOf"];

    // Whether the checks of a node (in it, or in a not/anyOf/allOf of it) include one of these keywords.
    private static bool Implies(JsonObject s, params string[] keywords) =>
        keywords.Any(s.ContainsKey)
        || (s["not"] is JsonObject n && Implies(n, keywords))
        || Junctors.Any(j => s[j] is JsonArray parts && parts.Count > 0 && parts.All(p => p is JsonObject o && Implies(o, keywords)));

    // CEL escapes field names that are reserved words (apiextensions-apiserver pkg/apiserver/schema/cel/model/escaping.go);
    // the spec has none, so a name is used as it is and any other is refused.
    private static string Field(string name) =>
        name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') && name is not ("in" or "as" or "break" or "const" or "continue" or "else" or "for" or "function" or "if" or "import" or "let" or "loop" or "package" or "namespace" or "return" or "var" or "void" or "while" or "true" or "false" or "null")
            ? name
            : throw new InvalidOperationException($"field {name} needs CEL escaping");

    private static string Literal(JsonNode value)
    {
        if (value is JsonValue v && v.TryGetValue<string>(out var text))
        {
            var sb = new StringBuilder("'");
            foreach (var c in text)
            {
                sb.Append(c switch
                {
                    '\'' => "\\'",
                    '\\' => "\\\\",
                    _ when char.IsControl(c) => $"\\u{(int)c:x4}",
                    _ => c.ToString(),
                });
            }

            return sb.Append('\'').ToString();
        }

        return value.ToJsonString();
    }

    // !(!x) is x; anything else is bracketed.
    private static string Negate(string expr) =>
        expr.StartsWith("!(", StringComparison.Ordinal) && expr.EndsWith(')') && Balanced(expr[2..^1]) ? expr[2..^1] : $"!({expr})";

    private static bool Balanced(string expr)
    {
        var depth = 0;
        foreach (var c in expr)
        {
            depth += c == '(' ? 1 : c == ')' ? -1 : 0;
            if (depth < 0)
            {
                return false;
            }
        }

        return depth == 0;
    }

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    private static string Where(string path) => path.Length == 0 ? "the schema's root" : path;
}
