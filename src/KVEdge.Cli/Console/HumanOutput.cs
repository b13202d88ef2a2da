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

    public void Warning(string text) => Lines("yellow", "warning: ", text);

    public void Failure(string text) => Lines("red", "error: ", text);

    // A message of several lines (a list of problems) is printed as lines, each escaped, the later ones indented: its
    // own line breaks were printed as a literal "\n". A value inside a message was escaped where it was quoted.
    private void Lines(string colour, string prefix, string text)
    {
        var lines = text.TrimEnd('\n').Split('\n');
        _ansi.MarkupLineInterpolated($"[{colour}]{prefix}{DisplayText.Escape(lines[0])}[/]");
        foreach (var line in lines.Skip(1))
        {
            _ansi.MarkupLineInterpolated($"[{colour}]  {DisplayText.Escape(line)}[/]");
        }
    }
}
