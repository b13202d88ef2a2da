using KVEdge.Cli.Console;
using KVEdge.Core.Cluster;

namespace KVEdge.Cli.Commands;

/// <summary>Prints a change set the way kubectl apply does, and import progress as a bar (redrawn in place on a terminal).</summary>
internal sealed class ChangeReporter(ICliConsole console, HumanOutput human) : IInstallReporter
{
    private const int BarWidth = 30;

    public void Applied(Change change) => human.Line(change.ToString());

    public void Waiting(string device, string what) => human.Line($"{device}: waiting for {what}");

    public void Warning(string device, string message) => human.Warning($"{device}: {message}");

    public void ImportProgress(string device, string dataVolume, string progress)
    {
        var percent = double.TryParse(progress.TrimEnd('%'), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var p) ? p : 0;
        var filled = (int)Math.Round(BarWidth * Math.Clamp(percent, 0, 100) / 100);
        var line = $"{device}: importing {dataVolume} [{new string('#', filled)}{new string('.', BarWidth - filled)}] {progress}";
        if (console.ErrorIsTerminal)
        {
            console.StdErr.Write($"\r{line}");
            if (percent >= 100)
            {
                console.StdErr.WriteLine();
            }
        }
        else
        {
            human.Line(line);
        }
    }
}
