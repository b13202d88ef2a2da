using KVEdge.Core.Images;

namespace KVEdge.Core.Actions;

/// <summary>
/// What image build, image bake and image operator share around their own work: the layout (the one asked for, or a
/// temporary one that goes afterwards), the digest reference they print, and a registry's refusal or silence as a
/// failure with its reason.
/// </summary>
public static class ImagePublishing
{
    /// <summary>Runs <paramref name="build"/> (given the layout directory and whether it is temporary) and says what it published.</summary>
    public static async Task<ImageBuildResult> RunAsync(ImageReference reference, string? layoutDir, Func<string, bool, Task<ContainerDisk>> build)
    {
        var temporary = layoutDir is null;
        var layout = layoutDir ?? Directory.CreateTempSubdirectory("kvedge-image-").FullName;
        try
        {
            var image = await build(layout, temporary).ConfigureAwait(false);
            return new ImageBuildResult($"{reference.Registry}/{reference.Repository}@{image.Manifest.Digest}", null);
        }
        catch (RegistryException ex)
        {
            return new ImageBuildResult(null, new ActionFailure(FailureKind.Failed, $"push failed: {ex.Message}"));
        }
        catch (HttpRequestException ex)
        {
            return new ImageBuildResult(null, new ActionFailure(FailureKind.Failed, $"cannot reach {reference.Registry}: {ex.Message}"));
        }
        finally
        {
            if (temporary)
            {
                Directory.Delete(layout, recursive: true);
            }
        }
    }
}
