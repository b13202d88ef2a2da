using KVEdge.Core.Diagnostics;
using Spectre.Console;

namespace KVEdge.Cli.Console;

/// <summary>Human-facing text on the error stream: diagnostics and verdicts, coloured only on a terminal.</summary>
public sealed class HumanOutput
{
    private readonly IAnsiConsole _ansi;

    public HumanOutput(ICliConsole console)
    {
        _ansi = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(console.StdErr),
            Ansi = console.ErrorIsTerminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = console.ErrorIsTerminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        // Never wrap: diagnostics are grepped and pasted into issues whole.
        _ansi.Profile.Width = 4096;
    }

    public IAnsiConsole Ansi => _ansi;

    public void Diagnostics(IEnumerable<Diagnostic> diagnostics)
    {
        foreach (var d in diagnostics)
        {
            var colour = d.IsError ? "red" : "yellow";
            _ansi.MarkupLineInterpolated($"[{colour}]{d.ToString()}[/]");
        }
    }

    public void Line(string text) => _ansi.WriteLine(text);

    public void Warning(string text) => _ansi.MarkupLineInterpolated($"[yellow]warning: {text}[/]");

    public void Failure(string text) => _ansi.MarkupLineInterpolated($"[red]error: {text}[/]");
}
