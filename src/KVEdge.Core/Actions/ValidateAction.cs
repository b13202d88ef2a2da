using KVEdge.Core.Input;

namespace KVEdge.Core.Actions;

/// <summary>`kvedge validate`: every check `template` makes (admission rules included), a verdict per device, nothing rendered out.</summary>
public static class ValidateAction
{
    public static ValidateResult Run(
        IEnumerable<InputFile> files, IReadOnlyList<ValueOverride> overrides, string defaultNamespace,
        Func<string, string?>? environment = null, TimeProvider? clock = null)
    {
        var checkedDevices = TemplateAction.Run(files, overrides, defaultNamespace, environment, clock);
        var diagnostics = checkedDevices.Diagnostics.Items;
        var verdicts = checkedDevices.Specs.Select(spec =>
        {
            var doc = spec.Document;
            var mine = diagnostics.Where(d => d.Location.File == doc.File && d.Location.Document == doc.Index).ToList();
            var errors = mine.Count(d => d.IsError);
            return new DeviceVerdict($"{spec.Value.Metadata.Namespace ?? defaultNamespace}/{spec.Value.Metadata.Name ?? "(no name)"}",
                $"{doc.File} (document {doc.Index})", errors, mine.Count - errors);
        }).ToList();
        return new ValidateResult(verdicts, checkedDevices.Diagnostics);
    }
}
