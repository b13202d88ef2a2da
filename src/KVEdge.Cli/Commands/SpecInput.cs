using System.CommandLine;
using KVEdge.Core.Input;

namespace KVEdge.Cli.Commands;

/// <summary>Reads -f/--set/--set-file into core inputs; a usage problem becomes one clear line and exit code 2.</summary>
internal sealed class SpecInput(Option<string[]> files, Option<string[]> set, Option<string[]> setFile, Option<string> ns)
{
    public static SpecInput Create() => new(CommonOptions.Files(), CommonOptions.Set(), CommonOptions.SetFile(), CommonOptions.Namespace());

    public IEnumerable<Option> Options => [files, set, setFile, ns];

    public string Namespace(ParseResult result) => result.GetValue(ns)!;

    /// <summary>Whether the command line names any -f input (for commands where -f is optional).</summary>
    public bool HasFiles(ParseResult result) => result.GetValue(files) is { Length: > 0 };

    public IReadOnlyList<ValueOverride> Overrides(ParseResult result)
    {
        var overrides = new List<ValueOverride>();
        foreach (var expression in result.GetValue(set) ?? [])
        {
            overrides.AddRange(ValueOverride.ParseSet(expression));
        }

        foreach (var expression in result.GetValue(setFile) ?? [])
        {
            overrides.Add(ValueOverride.ParseSetFile(expression, InputFile.ReadText));
        }

        return overrides;
    }

    public IReadOnlyList<InputFile> Files(ParseResult result, TextReader stdin) =>
        InputFile.Read(result.GetValue(files) ?? [], () => stdin);

    /// <summary>The --set/--set-file overrides (parsed first: a bad expression needs no file read) and the input files.</summary>
    public (IReadOnlyList<InputFile> Files, IReadOnlyList<ValueOverride> Overrides) Read(ParseResult result, TextReader stdin)
    {
        var overrides = Overrides(result);
        return (Files(result, stdin), overrides);
    }

    /// <summary>The metadata.name of every document in the -f files given so far (for completion: unreadable files and documents are skipped).</summary>
    public IReadOnlyList<string> DeviceNames(ParseResult result)
    {
        try
        {
            var inputs = InputFile.Read((result.GetValue(files) ?? []).Where(f => f != "-").ToArray(), () => TextReader.Null);
            var diagnostics = new KVEdge.Core.Diagnostics.DiagnosticBag();
            return [.. inputs.SelectMany(f => YamlDocumentReader.Read(f.DisplayName, f.Text, diagnostics))
                .Select(d => StrictBinder.Bind<KVEdge.Core.Spec.EdgeDevice>(d, diagnostics).Value.Metadata.Name)
                .OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or OverrideException)
        {
            return [];
        }
    }
}
