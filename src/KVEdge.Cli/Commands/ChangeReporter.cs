using System.Globalization;
using KVEdge.Cli.Console;
using KVEdge.Core.Actions;
using KVEdge.Core.Kube;
using KVEdge.Core.Diagnostics;

namespace KVEdge.Cli.Commands;

/// <summary>
/// Prints a change set the way kubectl apply does. While --wait runs: on a terminal, a live view redrawn in place, a
/// line per device with its stage (importing 45.0%, starting, agent, ready) under a count of the ready ones, the
/// devices still waiting first and at most <see cref="MaxLiveLines"/> of them; when stderr is not a terminal, plain
/// lines, one per change of stage, for logs and CI.
/// </summary>
internal sealed class ChangeReporter(ICliConsole console, HumanOutput human) : IInstallReporter
{
    public const int MaxLiveLines = 20;

    private const int BarWidth = 30;

    private const string Ready = "ready";

    private readonly Lock _gate = new();
    private readonly List<string> _order = [];
    private readonly Dictionary<string, string> _stages = new(StringComparer.Ordinal);
    private int _drawn;

    public void Applied(Change change) => human.Line(change.ToString());

    public void Waiting(string device, string what) => human.Line($"{device}: waiting for {what}");

    public void Stage(string device, WaitStage stage, string what)
    {
        if (!console.ErrorIsTerminal)
        {
            human.Line(stage == WaitStage.Ready ? $"{device}: ready" : $"{device}: waiting for {what}");
            return;
        }

        Show(device, stage switch
        {
            WaitStage.Importing => "importing",
            WaitStage.Starting => "starting",
            WaitStage.Agent => "agent (waiting for the guest agent to connect)",
            WaitStage.Healthy => "iotedge (waiting for IoT Edge to be healthy: the readiness probe)",
            _ => Ready,
        });
    }

    public void Warning(string device, string message)
    {
        lock (_gate)
        {
            // Above the live view, which is drawn again below it.
            Erase();
            human.Warning($"{device}: {message}");
            Draw();
        }
    }

    public void ImportProgress(string device, string dataVolume, string progress)
    {
        if (console.ErrorIsTerminal)
        {
            Show(device, $"importing {dataVolume} {progress}");
            return;
        }

        var percent = double.TryParse(progress.TrimEnd('%'), NumberStyles.Float, CultureInfo.InvariantCulture, out var p) ? p : 0;
        var filled = (int)Math.Round(BarWidth * Math.Clamp(percent, 0, 100) / 100);
        human.Line($"{device}: importing {dataVolume} [{new string('#', filled)}{new string('.', BarWidth - filled)}] {progress}");
    }

    private void Show(string device, string stage)
    {
        lock (_gate)
        {
            if (_stages.TryAdd(device, stage))
            {
                _order.Add(device);
            }
            else
            {
                _stages[device] = stage;
            }

            Erase();
            Draw();
        }
    }

    // ANSI: up to the first line of the view, and clear from there to the end of the screen.
    private void Erase()
    {
        if (_drawn > 0)
        {
            console.StdErr.Write($"\u001b[{_drawn}F\u001b[J");
            _drawn = 0;
        }
    }

    private void Draw()
    {
        if (_order.Count == 0)
        {
            return;
        }

        var waiting = _order.Where(d => _stages[d] != Ready).ToList();
        var lines = new List<string> { $"ready {_order.Count - waiting.Count} of {_order.Count}" };
        var width = _order.Max(d => d.Length);
        lines.AddRange(waiting.Concat(_order.Where(d => _stages[d] == Ready)).Take(MaxLiveLines).Select(d => $"  {d.PadRight(width)}  {_stages[d]}"));
        if (_order.Count > MaxLiveLines)
        {
            lines.Add($"  ... {_order.Count - MaxLiveLines} more");
        }

        foreach (var line in lines)
        {
            console.StdErr.Write(DisplayText.Escape(line) + "\n");
        }

        console.StdErr.Flush();
        _drawn = lines.Count;
    }
}
