using KVEdge.Core.Images;

namespace KVEdge.Core.Actions;

/// <summary>
/// `kvedge image operator`: the operator's image (the NativeAOT kvedge, its loader and libraries, no base image; see
/// <see cref="OperatorImage"/>) written to an OCI layout, pushed, or both: how an air-gapped site puts the operator in
/// its own registry from the binary it already trusts, and how a release publishes it. Same binary, same digest.
/// </summary>
public static class OperatorImageAction
{
    /// <summary>Every problem at once: the binary, the tag, a destination.</summary>
    public static IReadOnlyList<string> Check(string binary, string tag, string? layoutDir, bool push, out ImageReference? reference)
    {
        reference = ImageReference.TryParse(tag, out var refError);
        return new[]
        {
            OperatorImage.CheckBinary(binary) is { } binaryError ? $"--binary: {binaryError}" : null,
            refError,
            layoutDir is null && !push ? "give --oci-layout DIR, --push, or both" : null,
        }.OfType<string>().ToList();
    }

    public static async Task<ImageBuildResult> RunAsync(OperatorImageOptions options, IImageReporter reporter, CancellationToken ct)
    {
        var reference = options.Reference;
        IReadOnlyList<OperatorImage.File> files;
        try
        {
            files = OperatorImage.FilesFor(options.Binary);
        }
        catch (Exception ex) when (ex is InvalidOperationException or FileNotFoundException or System.ComponentModel.Win32Exception)
        {
            return new ImageBuildResult(null, new ActionFailure(FailureKind.Failed, ex.Message));
        }

        return await ImagePublishing.RunAsync(reference, options.LayoutDir, async (layoutDir, temporary) =>
        {
            reporter.Line($"building {reference} from {options.Binary}: {files.Count} files ({string.Join(", ", files.Select(f => f.ImagePath))})");
            var image = OperatorImage.Build(files, layoutDir, reference.Tag, OperatorImage.RuntimeArchitecture);
            reporter.Line($"layer {image.Layer.Digest} ({image.Layer.Size:N0} bytes compressed)");
            if (!temporary)
            {
                reporter.Line($"OCI layout written to {layoutDir} (tag {reference.Tag})");
            }

            if (options.Push)
            {
                using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(10) };
                var client = new RegistryClient(http, reference, options.PlainHttp, DockerCredentials.For(reference.Registry));
                var pushed = await reporter.WithProgress($"pushing to {reference.Registry}", image.Layer.Size,
                    progress => client.PushAsync(image, null, progress, ct)).ConfigureAwait(false);
                reporter.Line($"pushed {reference}: {pushed.UploadedBytes:N0} bytes uploaded, {pushed.BlobsSkipped} blob(s) already there");
            }

            return image;
        }).ConfigureAwait(false);
    }
}
