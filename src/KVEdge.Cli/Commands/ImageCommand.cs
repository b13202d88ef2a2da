using System.CommandLine;
using KVEdge.Cli.Console;
using KVEdge.Core.Actions;
using KVEdge.Core.Images;

namespace KVEdge.Cli.Commands;

/// <summary><c>kvedge image build</c>: wrap a qcow2 or raw disk into a KubeVirt containerDisk; write an OCI layout, push it, or both.</summary>
internal sealed class ImageCommand(ICliConsole console, ImageOptions image) : CliCommand(console)
{
    private readonly Option<string> _disk = new("--disk") { Description = "The qcow2 or raw disk to wrap.", Required = true };
    private readonly Option<string?> _mountFrom = new("--mount-from") { Description = "Another repository of the same registry that may already hold the layer (cross-repository mount)." };

    public static Command Create(ICliConsole console)
    {
        var image = new ImageOptions();
        return new Command("image", "KubeVirt containerDisk images.") { new ImageCommand(console, image).Build(), new BakeCommand(console, image).Build() };
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
        var probed = DiskImage.Probe(result.GetValue(_disk)!, out var diskError);
        var reference = ImageReference.TryParse(result.GetValue(image.Tag)!, out var refError);
        var layoutDir = result.GetValue(image.Layout);
        if (probed is null || reference is null || (layoutDir is null && !result.GetValue(image.Push)))
        {
            foreach (var e in new[] { diskError, refError, layoutDir is null && !result.GetValue(image.Push) ? "give --oci-layout DIR, --push, or both" : null }.OfType<string>())
            {
                human.Failure(e);
            }

            return ExitCodes.InvalidInput;
        }

        var options = new ImageBuildOptions(probed, reference, layoutDir, result.GetValue(image.Push), result.GetValue(image.PlainHttp), result.GetValue(image.Arch)!,
            result.GetValue(_mountFrom), ImageReporter.CacheDirectory(Console));
        return Published(human, await ImageBuildAction.RunAsync(options, new ImageReporter(Console, human), ct).ConfigureAwait(false));
    }

    /// <summary>The image's digest reference on stdout (what a VM spec pins), or the failure.</summary>
    private int Published(HumanOutput human, ImageBuildResult published)
    {
        if (published.Failure is { } failure)
        {
            human.Failure(failure.Message);
            return ExitCodes.For(failure.Kind);
        }

        Console.StdOut.WriteLine(published.Reference);
        return ExitCodes.Success;
    }
}
