using KVEdge.Core.Diagnostics;
using KVEdge.Core.Input;
using KVEdge.Core.Output;
using KVEdge.Core.Spec;
using KVEdge.Core.Validation;

namespace KVEdge.Core.Actions;

/// <summary>Inputs → typed, validated devices: parse, apply overrides, bind strictly, validate each and the fleet.</summary>
public static class DeviceLoader
{
    /// <param name="environment">Where credentials named by environment variable are read; none when null.</param>
    /// <param name="clock">For certificate validity warnings.</param>
    public static IReadOnlyList<BindingResult<EdgeDevice>> Load(
        IEnumerable<InputFile> files, IReadOnlyList<ValueOverride> overrides, string defaultNamespace, DiagnosticBag diagnostics,
        Func<string, string?>? environment = null, TimeProvider? clock = null)
    {
        environment ??= _ => null;
        clock ??= TimeProvider.System;
        var inputs = files.ToList();
        var documents = new List<InputDocument>();
        foreach (var file in inputs)
        {
            documents.AddRange(YamlDocumentReader.Read(file.DisplayName, file.Text, diagnostics));
        }

        // Each document is checked on its own (its own diagnostics), on every core, in input order.
        var checkedDocuments = OrderedParallel.Select(documents, document =>
        {
            var bag = new DiagnosticBag();
            OverrideApplier.Apply(document, overrides, bag);
            var binding = StrictBinder.Bind<EdgeDevice>(document, bag);
            EnvironmentCredentials.Resolve(binding, bag, environment);
            var rules = new RuleContext(binding, bag);
            DeviceValidator.Validate(binding, bag);
            IotEdgeValidator.Validate(rules, clock);
            return (binding, bag);
        });

        var devices = new List<BindingResult<EdgeDevice>>(checkedDocuments.Length);
        foreach (var (binding, bag) in checkedDocuments)
        {
            diagnostics.AddRange(bag.Items);
            devices.Add(binding);
        }

        if (devices.Count == 0 && !diagnostics.HasErrors)
        {
            diagnostics.Add(new Diagnostic(Severity.Error, new SourceLocation(string.Join(", ", inputs.Select(f => f.DisplayName)), 0, 0, 0),
                "", "no-devices", "the input holds no EdgeDevice documents"));
        }

        DeviceValidator.CheckFleet(devices, defaultNamespace, diagnostics);
        return devices;
    }
}
