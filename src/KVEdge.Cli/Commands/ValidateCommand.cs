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
        var validated = ValidateAction.Run(files, overrides, _input.Namespace(result), Console.GetEnvironmentVariable);
        human.Diagnostics(validated.Diagnostics.Items);

        // The verdicts are for a person (stderr), coloured on a terminal; machine-readable detail is the diagnostics.
        var table = new Table().Border(TableBorder.Simple).AddColumns("DEVICE", "SOURCE", "VERDICT");
        foreach (var d in validated.Devices)
        {
            var verdict = d.Errors > 0 ? $"[red]invalid ({d.Errors} error(s))[/]"
                : d.Warnings > 0 ? $"[yellow]valid ({d.Warnings} warning(s))[/]" : "[green]valid[/]";
            table.AddRow(Markup.Escape(d.Device), Markup.Escape(d.Source), verdict);
        }

        human.Ansi.Write(table);
        if (validated.Failure is { } failure)
        {
            human.Failure(failure.Message);
            return Task.FromResult(ExitCodes.For(failure.Kind));
        }

        return Task.FromResult(ExitCodes.Success);
    }
}
