using KVEdge.Core.Kubernetes;
using KVEdge.Core.Diagnostics;
using KVEdge.Core.Input;
using KVEdge.Core.Spec;

namespace KVEdge.Core.Validation;

/// <summary>Helpers shared by the rule sets: report against a field path (built, never typed), with the field's source position.</summary>
public sealed class RuleContext(BindingResult<EdgeDevice> binding, DiagnosticBag diagnostics)
{
    public EdgeDevice Device => binding.Value;

    public BindingResult<EdgeDevice> Binding => binding;

    public bool IsSet(FieldPath path) => binding.IsSet(path.ToString());

    /// <summary>
    /// A free-text value (an annotation) that looks like a credential is refused, and not shown: <paramref name="where"/>
    /// says how far it would travel.
    /// </summary>
    public void NoCredential(FieldPath path, string value, string where)
    {
        if (DisplayText.LooksLikeCredential(value))
        {
            Error(path, "credential-in-text", $"looks like a credential (a private key, a connection string, a SAS token or a symmetric key) and {where}, readable wherever that is; keep credentials in the credentials Secret");
        }
    }

    public void Error(FieldPath path, string rule, string message) =>
        diagnostics.Add(new Diagnostic(Severity.Error, binding.Locate(path.ToString()), path.ToString(), rule, message));

    public void Warning(FieldPath path, string rule, string message) =>
        diagnostics.Add(new Diagnostic(Severity.Warning, binding.Locate(path.ToString()), path.ToString(), rule, message));

    public void Required(FieldPath path, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            Error(path, "required", "is required");
        }
    }

    /// <summary>Case-sensitive, as the API server is: "Nodeport" is refused with a suggestion.</summary>
    public bool OneOf(FieldPath path, string? value, params string[] allowed)
    {
        if (value is null || allowed.Contains(value, StringComparer.Ordinal))
        {
            return true;
        }

        Error(path, "enum", $"{DisplayText.Value(value)} is not one of {string.Join(", ", allowed)}{Suggestions.DidYouMean(value, allowed)}");
        return false;
    }

    public void Range(FieldPath path, long value, long min, long max)
    {
        if (value < min || value > max)
        {
            Error(path, "range", $"must be between {min} and {max}, got {value}");
        }
    }

    public void Name(FieldPath path, string? value, Func<string, string?> check, string rule)
    {
        if (value is not null && check(value) is { } reason)
        {
            Error(path, rule, $"{DisplayText.Value(value)} {reason}");
        }
    }

    /// <summary>A Kubernetes quantity of at least <paramref name="minimum"/> bytes; returns the parsed value.</summary>
    public decimal? Quantity(FieldPath path, string? value, decimal minimum, decimal maximum)
    {
        if (value is null)
        {
            return null;
        }

        var parsed = Quantities.TryParse(value);
        if (parsed is null)
        {
            Error(path, "quantity", $"{DisplayText.Value(value)} is not a Kubernetes quantity (e.g. 4Gi, 512Mi)");
            return null;
        }

        if (parsed < minimum || parsed > maximum)
        {
            Error(path, "range", $"{DisplayText.Value(value)} must be between {Quantities.Format(minimum)} and {Quantities.Format(maximum)}");
        }

        return parsed;
    }

    public void Labels(FieldPath path, IDictionary<string, string> labels)
    {
        foreach (var (key, value) in labels)
        {
            if (KubernetesNames.CheckQualifiedKey(key) is { } keyReason)
            {
                Error(path.Key(key), "label-key", $"key {DisplayText.Value(key)}: {keyReason}");
            }

            if (KubernetesNames.CheckLabelValue(value) is { } valueReason)
            {
                Error(path.Key(key), "label-value", $"value {DisplayText.Value(value)} {valueReason}");
            }
        }
    }
}
