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
            _ansi.MarkupLineInterpolated($"[{colour}]{DisplayText.Escape(d.ToString())}[/]");
        }
    }

    // Every line of human text may carry input (names, values, server messages): control characters never reach the
    // terminal as such.
    public void Line(string text) => _ansi.WriteLine(DisplayText.Escape(text));

    public void Warning(string text) => _ansi.MarkupLineInterpolated($"[yellow]warning: {DisplayText.Escape(text)}[/]");

    public void Failure(string text) => _ansi.MarkupLineInterpolated($"[red]error: {DisplayText.Escape(text)}[/]");
}
