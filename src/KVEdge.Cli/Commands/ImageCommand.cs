using System.CommandLine;
using KVEdge.Cli.Console;
using KVEdge.Core.Actions;

namespace KVEdge.Cli.Commands;

/// <summary><c>kvedge image build</c>: wrap a qcow2 or raw disk into a KubeVirt containerDisk; write an OCI layout, push it, or both.</summary>
internal sealed class ImageCommand(ICliConsole console, ImageOptions image) : CliCommand(console)
{
    private readonly Option<string> _disk = new("--disk") { Description = "The qcow2 or raw disk to wrap.", Required = true };
    private readonly Option<string?> _mountFrom = new("--mount-from") { Description = "Another repository of the same registry that may already hold the layer (cross-repository mount)." };

    public static Command Create(ICliConsole console)
    {
        var image = new ImageOptions();
        return new Command("image", "KubeVirt containerDisk images, and the operator's image.")
        {
            new ImageCommand(console, image).Build(), new BakeCommand(console, image).Build(), new OperatorImageCommand(console, image).Build(),
        };
    }

    protected override Command Define()
    {
        var build = new Command("build", "Wrap a disk into a KubeVirt containerDisk (one file under /disk/, owned 107:107).") { _disk };
        build.AddOptions(image.All);
        build.Options.Add(_mountFrom);
        return build;
    }

    protected override async Task<int> ExecuteAsync(ParseResult result, HumanOutput human, CancellationToken ct)
    {
        var layoutDir = result.GetValue(image.Layout);
        var problems = ImageBuildAction.Check(result.GetValue(_disk)!, "", result.GetValue(image.Tag)!, layoutDir, result.GetValue(image.Push), out var probed, out var reference);
        if (problems.Count > 0)
        {
            foreach (var problem in problems)
            {
                human.Failure(problem);
            }

            return ExitCodes.InvalidInput;
        }

        var options = new ImageBuildOptions(probed!, reference!, layoutDir, result.GetValue(image.Push), result.GetValue(image.PlainHttp), result.GetValue(image.Arch)!,
            result.GetValue(_mountFrom), ImageReporter.CacheDirectory(Console));
        return Published(Console, human, await ImageBuildAction.RunAsync(options, new ImageReporter(Console, human), ct).ConfigureAwait(false));
    }

    /// <summary>The image's digest reference on stdout (what a VM spec pins), or the failure: build's and bake's last step.</summary>
    internal static int Published(ICliConsole console, HumanOutput human, ImageBuildResult published)
    {
        if (published.Failure is { } failure)
        {
            human.Failure(failure.Message);
            return ExitCodes.For(failure.Kind);
        }

        console.StdOut.WriteLine(published.Reference);
        return ExitCodes.Success;
    }
}
