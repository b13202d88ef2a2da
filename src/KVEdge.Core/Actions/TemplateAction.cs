using KVEdge.Core.Diagnostics;
using KVEdge.Core.Input;
using KVEdge.Core.Output;
using KVEdge.Core.Rendering;
using KVEdge.Core.Validation;

namespace KVEdge.Core.Actions;

/// <summary>What `kvedge template` does, without the console: devices are rendered only when every one is valid.</summary>
public static class TemplateAction
{
    public static TemplateResult Run(
        IEnumerable<InputFile> files, IReadOnlyList<ValueOverride> overrides, string defaultNamespace,
        Func<string, string?>? environment = null, TimeProvider? clock = null)
    {
        var diagnostics = new DiagnosticBag();
        var bindings = DeviceLoader.Load(files, overrides, defaultNamespace, diagnostics, environment, clock);
        if (diagnostics.HasErrors)
        {
            return new TemplateResult(bindings, [], diagnostics);
        }

        // Devices are independent: rendered on every core, in input order.
        var rendered = OrderedParallel.Select(bindings, binding =>
        {
            var device = DeviceRenderer.Render(binding.Value, defaultNamespace);

            // The renderer must never produce what KubeVirt's or CDI's webhooks would refuse.
            var violations = AdmissionRules.Check(device.Objects)
                .Select(v => new Diagnostic(Severity.Error, binding.Locate(""), $"{v.Target} {v.Path}", "admission", v.Message));
            return (device, violations: violations.ToList());
        });

        foreach (var (_, violations) in rendered)
        {
            diagnostics.AddRange(violations);
        }

        return new TemplateResult(bindings, diagnostics.HasErrors ? [] : rendered.Select(r => r.device).ToList(), diagnostics);
    }
}
