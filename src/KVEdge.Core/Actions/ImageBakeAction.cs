using KVEdge.Core.Images;
using KVEdge.Core.Images.Bake;
using KVEdge.Core.Kube;
using KVEdge.Core.Rendering;
using KVEdge.Core.Spec;

namespace KVEdge.Core.Actions;

/// <summary>
/// `kvedge image bake`: boots the base image once with the device's pinned IoT Edge packages installed by the converge
/// program (bake mode), then publishes the result as a containerDisk (<see cref="ImageBuildAction"/>). The work folder
/// (disks, serial console) is deleted after a success and kept, and named, after a failure.
/// </summary>
public static class ImageBakeAction
{
    /// <summary>Every problem with the options at once, or the checked options.</summary>
    public static (CheckedBake? Bake, IReadOnlyList<string> Problems) Check(ImageBakeOptions options, Func<string, bool>? fileExists = null)
    {
        fileExists ??= File.Exists;
        var problems = ImageBuildAction.Check(options.BaseImage, "--base", options.Tag, options.LayoutDir, options.Push, out var probed, out var reference).ToList();

        if (!GoDuration.TryParse(options.Timeout, out var limit) || limit <= TimeSpan.Zero)
        {
            problems.Add($"--timeout {options.Timeout}: not a duration (examples: 20m, 1h)");
        }

        if (options.Accel == AcceleratorChoice.Kvm && !fileExists("/dev/kvm"))
        {
            problems.Add("--accel kvm: this host has no /dev/kvm");
        }

        // The baked disk replaces a regular file only: as root, a device path here would have been written over.
        if (options.OutputDisk is { } output && Files.PathKinds.Of(output) is not (Files.PathKind.Missing or Files.PathKind.RegularFile) and var kind)
        {
            problems.Add($"--output-disk {Diagnostics.DisplayText.Quote(output)} is {Files.PathKinds.Describe(kind)}, not a regular file; kvedge writes only regular files");
        }

        foreach (var (option, path) in new[] { ("--kernel", options.Kernel), ("--initrd", options.Initrd) })
        {
            if (path is not null && !fileExists(path))
            {
                problems.Add($"{option}: {path} does not exist");
            }
        }

        return problems.Count > 0 ? (null, problems) : (new CheckedBake(options, probed!, reference!, limit), problems);
    }

    public static async Task<ImageBuildResult> RunAsync(CheckedBake bake, EdgeDevice device, string ns, IImageReporter reporter, Func<string, string?> environment, CancellationToken ct)
    {
        var tools = ExternalTools.Find(environment, out var missing);
        if (missing.Count > 0)
        {
            return new ImageBuildResult(null, new ActionFailure(FailureKind.Failed, string.Join("; ", missing)));
        }

        var options = bake.Options;
        var work = Directory.CreateTempSubdirectory("kvedge-bake-").FullName;
        var succeeded = false;
        try
        {
            using var log = new StringWriter();
            var baker = new ImageBaker(tools, log);
            var baked = await Task.Run(() => baker.Bake(DeviceRenderer.Render(device, ns), new BakeOptions(bake.Base.Path, work, bake.Limit, options.MemoryMiB, 2,
                options.Kernel, options.Initrd, options.Append, Accelerator.ForHost(options.Accel)), reporter.Line), ct).ConfigureAwait(false);
            reporter.Line($"baked in {baked.BootTime.TotalSeconds:0} s");
            if (options.OutputDisk is { } keep)
            {
                // Through a temporary file beside it, renamed over it: never written through a link or into a device.
                await Files.OutputFile.WriteAsync(keep, replace: true, "--output-disk", async target =>
                {
                    await using var source = File.OpenRead(baked.Disk);
                    await source.CopyToAsync(target, ct).ConfigureAwait(false);
                    return true;
                }).ConfigureAwait(false);
                reporter.Line($"baked disk written to {keep}");
            }

            var disk = DiskImage.Probe(baked.Disk, out _)!;
            var published = await ImageBuildAction.RunAsync(
                new ImageBuildOptions(disk, bake.Reference, options.LayoutDir, options.Push, options.PlainHttp, options.Arch, null, options.CacheDir), reporter, ct).ConfigureAwait(false);
            succeeded = published.Failure is null;
            return published;
        }
        catch (BakeException ex)
        {
            return new ImageBuildResult(null, new ActionFailure(FailureKind.Failed, $"{ex.Message}; the bake's files (serial console, disks) are kept in {work}"));
        }
        finally
        {
            if (succeeded)
            {
                Directory.Delete(work, recursive: true);
            }
        }
    }
}
