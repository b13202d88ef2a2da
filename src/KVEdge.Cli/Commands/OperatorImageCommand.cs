using System.CommandLine;
using KVEdge.Cli.Console;
using KVEdge.Core.Actions;

namespace KVEdge.Cli.Commands;

/// <summary><c>kvedge image operator</c>: the operator's image from a NativeAOT kvedge (this one by default); an OCI layout, a push, or both.</summary>
internal sealed class OperatorImageCommand(ICliConsole console, ImageOptions image) : CliCommand(console)
{
    private readonly Option<string?> _binary = new("--binary") { Description = "The NativeAOT kvedge the image carries (default: this kvedge, when it is one)." };

    protected override Command Define()
    {
        var command = new Command("operator", "Build the operator's image (the NativeAOT kvedge, its loader and libraries, no base image; user 65532) for the kvedge-operator chart.")
        {
            _binary, image.Tag, image.Push, image.PlainHttp, image.Layout,
        };
        return command;
    }

    protected override async Task<int> ExecuteAsync(ParseResult result, HumanOutput human, CancellationToken ct)
    {
        // NativeAOT has no JIT: this process is the binary the image wants only then (`dotnet kvedge.dll` is not).
        var binary = result.GetValue(_binary)
            ?? (System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported ? null : Environment.ProcessPath);
        var layoutDir = result.GetValue(image.Layout);
        Core.Images.ImageReference? reference = null;
        var problems = binary is null
            ? ["--binary: this kvedge runs on the .NET runtime; give the NativeAOT kvedge (scripts/build-native.sh, or a release download) with --binary"]
            : OperatorImageAction.Check(binary, result.GetValue(image.Tag)!, layoutDir, result.GetValue(image.Push), out reference);
        if (problems.Count > 0)
        {
            foreach (var problem in problems)
            {
                human.Failure(problem);
            }

            return ExitCodes.InvalidInput;
        }

        var options = new OperatorImageOptions(binary!, reference!, layoutDir, result.GetValue(image.Push), result.GetValue(image.PlainHttp));
        return ImageCommand.Published(Console, human, await OperatorImageAction.RunAsync(options, new ImageReporter(Console, human), ct).ConfigureAwait(false));
    }
}
