using System.CommandLine;
using KVEdge.Cli.Console;
using KVEdge.Core.Cluster;
using KVEdge.Core.Images;
using KVEdge.Core.Images.Bake;
using KVEdge.Core.Rendering;

namespace KVEdge.Cli.Commands;

/// <summary>
/// <c>kvedge image bake</c>: boot a base image once with the device's pinned IoT Edge packages installed by the converge
/// program (bake mode), then publish the result as a containerDisk, so devices boot with IoT Edge installed, offline.
/// </summary>
internal static class BakeCommand
{
    public static Command Create(ICliConsole console, Option<string> tag, Option<bool> push, Option<bool> plainHttp, Option<string?> layout, Option<string> arch)
    {
        var selection = DeviceSelection.Create();
        var baseImage = new Option<string>("--base") { Description = "The base disk (qcow2 or raw), e.g. an Ubuntu cloud image. It is not modified.", Required = true };
        var kernel = new Option<string?>("--kernel") { Description = "Boot this kernel directly (for a base image without a boot loader)." };
        var initrd = new Option<string?>("--initrd") { Description = "The initrd for --kernel." };
        var append = new Option<string?>("--append") { Description = "Kernel command line for --kernel (default: root=LABEL=root rw console=ttyS0)." };
        var timeout = new Option<string>("--timeout") { Description = "How long the bake boot may take.", DefaultValueFactory = _ => "30m" };
        var memory = new Option<int>("--memory") { Description = "Guest memory in MiB.", DefaultValueFactory = _ => 2048 };
        var outputDisk = new Option<string?>("--output-disk") { Description = "Also keep the baked qcow2 here." };
        var accel = new Option<string>("--accel")
        {
            Description = "auto: KVM when /dev/kvm works and the CPU has vmx/svm, else software emulation (tcg); kvm or tcg to choose.",
            DefaultValueFactory = _ => "auto",
        };
        accel.AcceptOnlyFromAmong("auto", "kvm", "tcg");
        var bake = new Command("bake", "Bake the device's pinned IoT Edge packages into a base image and publish it as a containerDisk.")
        {
            baseImage, tag, push, plainHttp, layout, arch, kernel, initrd, append, timeout, memory, outputDisk, accel,
        };
        bake.AddOptions(selection.Options);
        bake.SetAction(async (result, ct) =>
        {
            var human = new HumanOutput(console);
            var problems = new List<string>();
            var probed = DiskImage.Probe(result.GetValue(baseImage)!, out var diskError);
            var reference = ImageReference.TryParse(result.GetValue(tag)!, out var refError);
            problems.AddRange(new[] { probed is null ? $"--base: {diskError}" : null, refError }.OfType<string>());
            if (result.GetValue(layout) is null && !result.GetValue(push))
            {
                problems.Add("give --oci-layout DIR, --push, or both");
            }

            if (!GoDuration.TryParse(result.GetValue(timeout)!, out var limit) || limit <= TimeSpan.Zero)
            {
                problems.Add($"--timeout {result.GetValue(timeout)}: not a duration (examples: 20m, 1h)");
            }

            var accelChoice = Enum.Parse<AcceleratorChoice>(result.GetValue(accel)!, ignoreCase: true);
            if (accelChoice == AcceleratorChoice.Kvm && !File.Exists("/dev/kvm"))
            {
                problems.Add("--accel kvm: this host has no /dev/kvm");
            }

            foreach (var (option, path) in new[] { ("--kernel", result.GetValue(kernel)), ("--initrd", result.GetValue(initrd)) })
            {
                if (path is not null && !File.Exists(path))
                {
                    problems.Add($"{option}: {path} does not exist");
                }
            }

            // Every problem at once: the options' first, then the spec's (which DeviceSelection prints).
            problems.ForEach(human.Failure);
            var (device, ns, code) = selection.SelectIotEdge(result, console, human);
            if (device is null || problems.Count > 0)
            {
                return code ?? ExitCodes.InvalidInput;
            }

            var tools = ExternalTools.Find(console.GetEnvironmentVariable, out var missing);
            if (missing.Count > 0)
            {
                foreach (var m in missing)
                {
                    human.Failure(m);
                }

                return ExitCodes.Failure;
            }

            var work = Directory.CreateTempSubdirectory("kvedge-bake-").FullName;
            var succeeded = false;
            try
            {
                using var log = new StringWriter();
                var baker = new ImageBaker(tools, log);
                var baked = baker.Bake(DeviceRenderer.Render(device, ns), new BakeOptions(probed!.Path, work, limit, result.GetValue(memory), 2,
                    result.GetValue(kernel), result.GetValue(initrd), result.GetValue(append), Accelerator.ForHost(accelChoice)), human.Line);
                human.Line($"baked in {baked.BootTime.TotalSeconds:0} s");
                if (result.GetValue(outputDisk) is { } keep)
                {
                    File.Copy(baked.Disk, keep, overwrite: true);
                    human.Line($"baked disk written to {keep}");
                }

                var disk = DiskImage.Probe(baked.Disk, out _)!;
                var published = await ImageCommand.PublishAsync(console, human, disk, reference!, result.GetValue(layout), result.GetValue(push),
                    result.GetValue(plainHttp), result.GetValue(arch)!, null, ct);
                succeeded = published == ExitCodes.Success;
                return published;
            }
            catch (BakeException ex)
            {
                human.Failure(ex.Message);
                human.Line($"the bake's files (serial console, disks) are kept in {work}");
                return ExitCodes.Failure;
            }
            finally
            {
                if (succeeded)
                {
                    Directory.Delete(work, recursive: true);
                }
            }
        });
        return bake;
    }
}
