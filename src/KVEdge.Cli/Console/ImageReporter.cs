using KVEdge.Core.Actions;
using Spectre.Console;

namespace KVEdge.Cli.Console;

/// <summary>An image action's progress: lines on the human stream, a progress bar only on a terminal (never in pipelines and logs).</summary>
internal sealed class ImageReporter(ICliConsole console, HumanOutput human) : IImageReporter
{
    public void Line(string text) => human.Line(text);

    public async Task<T> WithProgress<T>(string label, long total, Func<IProgress<long>?, Task<T>> work)
    {
        if (!console.ErrorIsTerminal)
        {
            return await work(null).ConfigureAwait(false);
        }

        return await human.Ansi.Progress().AutoClear(true).StartAsync(async ctx =>
        {
            var task = ctx.AddTask(label, maxValue: Math.Max(1, total));
            var value = await work(new Progress<long>(done => task.Value = Math.Min(done, task.MaxValue))).ConfigureAwait(false);
            task.Value = task.MaxValue;
            return value;
        }).ConfigureAwait(false);
    }

    /// <summary>$XDG_CACHE_HOME/kvedge/layers, else ~/.cache/kvedge/layers.</summary>
    public static string CacheDirectory(ICliConsole console) =>
        Path.Combine(
            console.GetEnvironmentVariable("XDG_CACHE_HOME")
                ?? Path.Combine(console.GetEnvironmentVariable("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"),
            "kvedge", "layers");
}
