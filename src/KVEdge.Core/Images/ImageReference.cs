namespace KVEdge.Core.Images;

/// <summary>REGISTRY/REPOSITORY[:TAG], as docker and skopeo read it (no registry means Docker Hub).</summary>
public sealed record ImageReference(string Registry, string Repository, string Tag)
{
    public static ImageReference? TryParse(string text, out string? error)
    {
        error = null;
        if (string.IsNullOrWhiteSpace(text) || text.Any(char.IsWhiteSpace) || text.Contains("://", StringComparison.Ordinal))
        {
            error = $"'{text}' is not an image reference (REGISTRY/REPOSITORY[:TAG], without a scheme)";
            return null;
        }

        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var first = slash < 0 ? "" : text[..slash];
        var explicitRegistry = first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost";
        var registry = explicitRegistry ? first : "registry-1.docker.io";
        var rest = explicitRegistry ? text[(slash + 1)..] : text;
        var colon = rest.LastIndexOf(':');
        var (repository, tag) = colon > rest.LastIndexOf('/') && colon >= 0 ? (rest[..colon], rest[(colon + 1)..]) : (rest, "latest");
        if (!explicitRegistry && !repository.Contains('/', StringComparison.Ordinal))
        {
            repository = "library/" + repository;
        }

        if (repository.Length == 0 || repository.Any(char.IsUpper) || tag.Length == 0 || tag.Length > 128)
        {
            error = $"'{text}': the repository must be lower case and the tag 1 to 128 characters";
            return null;
        }

        return new ImageReference(registry, repository, tag);
    }

    public override string ToString() => $"{Registry}/{Repository}:{Tag}";
}
