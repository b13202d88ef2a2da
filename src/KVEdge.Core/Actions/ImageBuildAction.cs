using KVEdge.Core.Images;

namespace KVEdge.Core.Actions;

/// <summary>
/// `kvedge image build`: wraps the disk into a KubeVirt containerDisk in an OCI layout and pushes it when asked. An
/// unchanged disk whose layer the registry already has is neither read, compressed nor uploaded again; a push without
/// --mount-from uploads while it compresses.
/// </summary>
public static class ImageBuildAction
{
    /// <summary>
    /// The checks image build and image bake share, every problem at once: the disk (<paramref name="diskOption"/> names
    /// its flag), the tag, and a destination (a layout, a push, or both).
    /// </summary>
    public static IReadOnlyList<string> Check(string disk, string diskOption, string tag, string? layoutDir, bool push, out DiskImage? probed, out ImageReference? reference)
    {
        probed = DiskImage.Probe(disk, out var diskError);
        reference = ImageReference.TryParse(tag, out var refError);
        return new[]
        {
            probed is null ? diskOption.Length == 0 ? diskError : $"{diskOption}: {diskError}" : null,
            refError,
            layoutDir is null && !push ? "give --oci-layout DIR, --push, or both" : null,
        }.OfType<string>().ToList();
    }

    public static Task<ImageBuildResult> RunAsync(ImageBuildOptions options, IImageReporter reporter, CancellationToken ct)
    {
        var (probed, reference) = (options.Disk, options.Reference);
        var cache = new LayerCache(options.CacheDir);
        return ImagePublishing.RunAsync(reference, options.LayoutDir, async (layoutDir, temporary) =>
        {
            reporter.Line($"building {reference} from {probed.Format} disk {probed.Path} ({probed.Size:N0} bytes)");
            using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(30) };
            var client = options.Push ? new RegistryClient(http, reference, options.PlainHttp, DockerCredentials.For(reference.Registry)) : null;
            ContainerDisk image;
            long streamed = 0;
            var layerAlreadyThere = false;

            // An unchanged disk whose layer the registry already has: nothing to read, compress or upload.
            if (client is not null && cache.Find(probed) is { } known
                && (temporary || File.Exists(ContainerDiskBuilder.BlobPath(layoutDir, known.Digest)))
                && await client.BlobExistsAsync(known.Digest, ct).ConfigureAwait(false))
            {
                image = ContainerDiskBuilder.WriteImage(probed, layoutDir, reference.Tag, options.Arch, new Blob(known.Digest, known.Size, ContainerDiskBuilder.LayerMediaType), known.DiffId);
                reporter.Line($"layer {known.Digest} unchanged since it was last built, and already in {reference.Registry}");
                layerAlreadyThere = true;
            }
            else if (client is not null && options.MountFrom is null)
            {
                // Upload while compressing: the registry receives chunks as they are made, and the digest closes the upload.
                await using var upload = await client.BeginStreamAsync(ct).ConfigureAwait(false);
                image = await reporter.WithProgress($"building and pushing {probed.FileName}", probed.Size,
                    progress => Task.Run(() => ContainerDiskBuilder.Build(probed, layoutDir, reference.Tag, options.Arch, progress, upload.Sink, keepLayer: !temporary), ct)).ConfigureAwait(false);
                streamed = await upload.CompleteAsync(image.Layer.Digest).ConfigureAwait(false);
            }
            else
            {
                image = await reporter.WithProgress($"building {probed.FileName}", probed.Size,
                    progress => Task.FromResult(ContainerDiskBuilder.Build(probed, layoutDir, reference.Tag, options.Arch, progress))).ConfigureAwait(false);
            }

            cache.Remember(probed, image);
            reporter.Line($"layer {image.Layer.Digest} ({image.Layer.Size:N0} bytes compressed)");
            if (!temporary)
            {
                reporter.Line($"OCI layout written to {layoutDir} (tag {reference.Tag})");
            }

            if (client is not null)
            {
                var layerPushed = layerAlreadyThere || streamed > 0;
                var pushed = await reporter.WithProgress($"pushing to {reference.Registry}", image.Layer.Size,
                    progress => client.PushAsync(image, options.MountFrom, progress, ct, layerInRepository: layerPushed)).ConfigureAwait(false);
                var skipped = pushed.BlobsSkipped + (layerAlreadyThere ? 1 : 0);
                reporter.Line($"pushed {reference}: {pushed.UploadedBytes + streamed:N0} bytes uploaded, {skipped} blob(s) already there, {pushed.BlobsMounted} mounted");
            }

            return image;
        });
    }
}
