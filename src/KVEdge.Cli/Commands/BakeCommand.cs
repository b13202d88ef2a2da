using System.CommandLine;
using KVEdge.Cli.Console;
using KVEdge.Core.Actions;
using KVEdge.Core.Images.Bake;

namespace KVEdge.Cli.Commands;

/// <summary>
/// <c>kvedge image bake</c>: boot a base image once with the device's pinned IoT Edge packages installed by the converge
/// program (bake mode), then publish the result as a containerDisk, so devices boot with IoT Edge installed, offline.
/// </summary>
internal sealed class BakeCommand(ICliConsole console, ImageOptions image) : CliCommand(console)
{
    private readonly DeviceSelection _selection = DeviceSelection.Create();
    private readonly Option<string> _baseImage = new("--base") { Description = "The base disk (qcow2 or raw), e.g. an Ubuntu cloud image. It is not modified.", Required = true };
    private readonly Option<string?> _kernel = new("--kernel") { Description = "Boot this kernel directly (for a base image without a boot loader)." };
    private readonly Option<string?> _initrd = new("--initrd") { Description = "The initrd for --kernel." };
    private readonly Option<string?> _append = new("--append") { Description = "Kernel command line for --kernel (default: root=LABEL=root rw console=ttyS0)." };
    private readonly Option<string> _timeout = new("--timeout") { Description = "How long the bake boot may take.", DefaultValueFactory = _ => "30m" };
    private readonly Option<int> _memory = new("--memory") { Description = "Guest memory in MiB.", DefaultValueFactory = _ => 2048 };
    private readonly Option<string?> _outputDisk = new("--output-disk") { Description = "Also keep the baked qcow2 here." };
    private readonly Option<string> _accel = AccelOption();

    private static Option<string> AccelOption()
    {
        var accel = new Option<string>("--accel")
        {
            Description = "auto: KVM when /dev/kvm works and the CPU has vmx/svm, else software emulation (tcg); kvm or tcg to choose.",
            DefaultValueFactory = _ => "auto",
        };
        accel.AcceptOnlyFromAmong("auto", "kvm", "tcg");
        return accel;
    }

    protected override Command Define()
    {
        var bake = new Command("bake", "Bake the device's pinned IoT Edge packages into a base image and publish it as a containerDisk.") { _baseImage };
        bake.AddOptions(image.All);
        bake.AddOptions([_kernel, _initrd, _append, _timeout, _memory, _outputDisk, _accel]);
        bake.AddOptions(_selection.Options);
        return bake;
    }

    protected override async Task<int> ExecuteAsync(ParseResult result, HumanOutput human, CancellationToken ct)
    {
        var options = new ImageBakeOptions(result.GetValue(_baseImage)!, result.GetValue(image.Tag)!, result.GetValue(image.Layout), result.GetValue(image.Push),
            result.GetValue(image.PlainHttp), result.GetValue(image.Arch)!, result.GetValue(_kernel), result.GetValue(_initrd), result.GetValue(_append),
            result.GetValue(_timeout)!, result.GetValue(_memory), result.GetValue(_outputDisk),
            Enum.Parse<AcceleratorChoice>(result.GetValue(_accel)!, ignoreCase: true), ImageReporter.CacheDirectory(Console));

        // Every problem at once: the options' first, then the spec's (which DeviceSelection prints).
        var (bake, problems) = ImageBakeAction.Check(options);
        foreach (var problem in problems)
        {
            human.Failure(problem);
        }

        var (device, ns, code) = _selection.SelectIotEdge(result, Console, human);
        if (device is null || bake is null)
        {
            return code ?? ExitCodes.InvalidInput;
        }

        return ImageCommand.Published(Console, human,
            await ImageBakeAction.RunAsync(bake, device, ns, new ImageReporter(Console, human), Console.GetEnvironmentVariable, ct).ConfigureAwait(false));
    }
}
