using System.Text.RegularExpressions;
using KVEdge.Core.Diagnostics;
using KVEdge.Core.Spec;

namespace KVEdge.Core.Input;

/// <summary>
/// The load stage's last step: credentials named by environment variable (spec.iotEdge.credentials.*Env) are read
/// into the bound spec, in memory only, before any rule runs; so validation and rendering see one value per
/// credential, wherever it came from. A name that is not one, a variable that is unset and a credential given twice are
/// errors here.
/// </summary>
public static partial class EnvironmentCredentials
{
    /// <summary>The pattern, shared with the chart's values.schema.json.</summary>
    public const string EnvNamePattern = "^[A-Za-z_][A-Za-z0-9_]*\\z";

    [GeneratedRegex(EnvNamePattern)]
    private static partial Regex EnvNameRegex();

    public static void Resolve(BindingResult<EdgeDevice> binding, DiagnosticBag diagnostics, Func<string, string?> environment)
    {
        if (binding.Value.Spec.IotEdge is not { } iot)
        {
            return;
        }

        void Error(FieldPath path, string rule, string message) =>
            diagnostics.Add(new Diagnostic(Severity.Error, binding.Locate(path.ToString()), path.ToString(), rule, message));

        foreach (var key in CredentialKey.All)
        {
            if (key.Env(iot.Credentials) is not { } name)
            {
                continue;
            }

            if (!EnvNameRegex().IsMatch(name))
            {
                Error(key.EnvFieldPath, "credential-env", $"{DisplayText.Value(name)} is not an environment variable name");
                continue;
            }

            if (key.Value(iot.Credentials) is not null)
            {
                Error(key.EnvFieldPath, "credential-source", $"give {key.Field} once: either with --set-file or from ${name}, not both");
                continue;
            }

            var value = environment(name);
            if (string.IsNullOrEmpty(value))
            {
                Error(key.EnvFieldPath, "credential-env", $"environment variable {name} is not set");
                continue;
            }

            key.SetValue(iot.Credentials, value);
        }
    }
}
