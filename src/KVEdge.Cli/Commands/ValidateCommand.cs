using System.CommandLine;
using KVEdge.Cli.Console;
using KVEdge.Core.Actions;
using Spectre.Console;

namespace KVEdge.Cli.Commands;

/// <summary><c>kvedge validate</c>: every check <c>template</c> makes, with a verdict per device and nothing rendered.</summary>
internal sealed class ValidateCommand(ICliConsole console) : CliCommand(console)
{
    private readonly SpecInput _input = SpecInput.Create();

    public static Command Create(ICliConsole console) => new ValidateCommand(console).Build();

    protected override Command Define()
    {
        var command = new Command("validate", "Check EdgeDevice specs without rendering them; prints a verdict per device.");
        command.AddOptions(_input.Options);
        return command;
    }

    protected override Task<int> ExecuteAsync(ParseResult result, HumanOutput human, CancellationToken ct)
    {
        var (files, overrides) = ReadInput(() => _input.Read(result, Console.StdIn));
        var ns = _input.Namespace(result);
        var checkedDevices = TemplateAction.Run(files, overrides, ns, Console.GetEnvironmentVariable);
        var diagnostics = checkedDevices.Diagnostics.Items;
        human.Diagnostics(diagnostics);

        // The verdicts are for a person (stderr), coloured on a terminal; machine-readable detail is the diagnostics.
        var table = new Table().Border(TableBorder.Simple).AddColumns("DEVICE", "SOURCE", "VERDICT");
        foreach (var spec in checkedDevices.Specs)
        {
            var doc = spec.Document;
            var mine = diagnostics.Where(d => d.Location.File == doc.File && d.Location.Document == doc.Index).ToList();
            var errors = mine.Count(d => d.IsError);
            var warnings = mine.Count - errors;
            var verdict = errors > 0 ? $"[red]invalid ({errors} error(s))[/]"
                : warnings > 0 ? $"[yellow]valid ({warnings} warning(s))[/]" : "[green]valid[/]";
            var name = $"{spec.Value.Metadata.Namespace ?? ns}/{spec.Value.Metadata.Name ?? "(no name)"}";
            table.AddRow(Markup.Escape(name), Markup.Escape($"{doc.File} (document {doc.Index})"), verdict);
        }

        human.Ansi.Write(table);
        var total = checkedDevices.Diagnostics.ErrorCount;
        if (total > 0)
        {
            human.Failure($"{total} error(s) in {checkedDevices.Specs.Count} device(s)");
            return Task.FromResult(ExitCodes.InvalidInput);
        }

        return Task.FromResult(ExitCodes.Success);
    }
}
