using System.CommandLine;
using KVEdge.Cli.Console;
using KVEdge.Core.Images;
using Spectre.Console;

namespace KVEdge.Cli.Commands;

/// <summary><c>kvedge image build</c>: wrap a qcow2 or raw disk into a KubeVirt containerDisk; write an OCI layout, push it, or both.</summary>
internal static class ImageCommand
{
    public static Command Create(ICliConsole console)
    {
        var disk = new Option<string>("--disk") { Description = "The qcow2 or raw disk to wrap.", Required = true };
        var tag = new Option<string>("--tag") { Description = "Image reference, REGISTRY/REPOSITORY[:TAG].", Required = true };
        var push = new Option<bool>("--push") { Description = "Push the image to the registry of --tag." };
        var plainHttp = new Option<bool>("--plain-http") { Description = "Talk HTTP, not HTTPS, to the registry (a local registry)." };
        var layout = new Option<string?>("--oci-layout") { Description = "Write (or add to) an OCI image layout in this directory." };
        var arch = new Option<string>("--arch") { Description = "Image architecture.", DefaultValueFactory = _ => "amd64" };
        arch.AcceptOnlyFromAmong("amd64", "arm64");
        var mountFrom = new Option<string?>("--mount-from") { Description = "Another repository of the same registry that may already hold the layer (cross-repository mount)." };
        var build = new Command("build", "Wrap a disk into a KubeVirt containerDisk (one file under /disk/, owned 107:107).") { disk, tag, push, plainHttp, layout, arch, mountFrom };
        build.SetAction(async (result, ct) =>
        {
            var human = new HumanOutput(console);
            var probed = DiskImage.Probe(result.GetValue(disk)!, out var diskError);
            var reference = ImageReference.TryParse(result.GetValue(tag)!, out var refError);
            var layoutDir = result.GetValue(layout);
            if (probed is null || reference is null || (layoutDir is null && !result.GetValue(push)))
            {
                foreach (var e in new[] { diskError, refError, layoutDir is null && !result.GetValue(push) ? "give --oci-layout DIR, --push, or both" : null }.OfType<string>())
                {
                    human.Failure(e);
                }

                return ExitCodes.InvalidInput;
            }

            return await PublishAsync(console, human, probed, reference, layoutDir, result.GetValue(push), result.GetValue(plainHttp), result.GetValue(arch)!, result.GetValue(mountFrom), ct);
        });

        return new Command("image", "KubeVirt containerDisk images.") { build, BakeCommand.Create(console, tag, push, plainHttp, layout, arch) };
    }

    /// <summary>Builds the containerDisk into an OCI layout (a temporary one when only pushing) and pushes it when asked.</summary>
    internal static async Task<int> PublishAsync(ICliConsole console, HumanOutput human, DiskImage probed, ImageReference reference, string? layoutDir,
        bool push, bool plainHttp, string arch, string? mountFrom, CancellationToken ct)
    {
        var temporary = layoutDir is null;
        layoutDir ??= Directory.CreateTempSubdirectory("kvedge-image-").FullName;
        var cache = new LayerCache(CacheDirectory(console));
        try
        {
            human.Line($"building {reference} from {probed.Format} disk {probed.Path} ({probed.Size:N0} bytes)");
            using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(30) };
            var client = push ? new RegistryClient(http, reference, plainHttp, DockerCredentials.For(reference.Registry)) : null;
            ContainerDisk image;
            long streamed = 0;
            var layerAlreadyThere = false;

            // An unchanged disk whose layer the registry already has: nothing to read, compress or upload.
            if (client is not null && cache.Find(probed) is { } known
                && (temporary || File.Exists(ContainerDiskBuilder.BlobPath(layoutDir, known.Digest)))
                && await client.BlobExistsAsync(known.Digest, ct))
            {
                image = ContainerDiskBuilder.WriteImage(probed, layoutDir, reference.Tag, arch, new Blob(known.Digest, known.Size, ContainerDiskBuilder.LayerMediaType), known.DiffId);
                human.Line($"layer {known.Digest} unchanged since it was last built, and already in {reference.Registry}");
                layerAlreadyThere = true;
            }
            else if (client is not null && mountFrom is null)
            {
                // Upload while compressing: the registry receives chunks as they are made, and the digest closes the upload.
                await using var upload = await client.BeginStreamAsync(ct);
                image = await WithProgress(console, human, $"building and pushing {probed.FileName}", probed.Size,
                    progress => Task.Run(() => ContainerDiskBuilder.Build(probed, layoutDir, reference.Tag, arch, progress, upload.Sink, keepLayer: !temporary), ct));
                streamed = await upload.CompleteAsync(image.Layer.Digest);
            }
            else
            {
                image = await WithProgress(console, human, $"building {probed.FileName}", probed.Size,
                    progress => Task.FromResult(ContainerDiskBuilder.Build(probed, layoutDir, reference.Tag, arch, progress)));
            }

            cache.Remember(probed, image);
            human.Line($"layer {image.Layer.Digest} ({image.Layer.Size:N0} bytes compressed)");
            if (!temporary)
            {
                human.Line($"OCI layout written to {layoutDir} (tag {reference.Tag})");
            }

            if (client is not null)
            {
                var layerPushed = layerAlreadyThere || streamed > 0;
                var pushed = await WithProgress(console, human, $"pushing to {reference.Registry}", image.Layer.Size,
                    progress => client.PushAsync(image, mountFrom, progress, ct, layerInRepository: layerPushed));
                var skipped = pushed.BlobsSkipped + (layerAlreadyThere ? 1 : 0);
                human.Line($"pushed {reference}: {pushed.UploadedBytes + streamed:N0} bytes uploaded, {skipped} blob(s) already there, {pushed.BlobsMounted} mounted");
            }

            console.StdOut.WriteLine($"{reference.Registry}/{reference.Repository}@{image.Manifest.Digest}");
            return ExitCodes.Success;
        }
        catch (RegistryException ex)
        {
            human.Failure($"push failed: {ex.Message}");
            return ExitCodes.Failure;
        }
        catch (HttpRequestException ex)
        {
            human.Failure($"cannot reach {reference.Registry}: {ex.Message}");
            return ExitCodes.Failure;
        }
        finally
        {
            if (temporary)
            {
                Directory.Delete(layoutDir, recursive: true);
            }
        }
    }

    private static string CacheDirectory(ICliConsole console) =>
        Path.Combine(
            console.GetEnvironmentVariable("XDG_CACHE_HOME")
                ?? Path.Combine(console.GetEnvironmentVariable("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"),
            "kvedge", "layers");

    // A progress bar on a terminal; nothing in pipelines and logs, where it would only be noise.
    private static async Task<T> WithProgress<T>(ICliConsole console, HumanOutput human, string label, long total, Func<IProgress<long>?, Task<T>> work)
    {
        if (!console.ErrorIsTerminal)
        {
            return await work(null);
        }

        return await human.Ansi.Progress().AutoClear(true).StartAsync(async ctx =>
        {
            var task = ctx.AddTask(label, maxValue: Math.Max(1, total));
            var value = await work(new Progress<long>(done => task.Value = Math.Min(done, task.MaxValue)));
            task.Value = task.MaxValue;
            return value;
        });
    }
}
