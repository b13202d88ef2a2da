using System.CommandLine;

namespace KVEdge.Cli.Commands;

/// <summary>The options image build and image bake share: where the image goes and how it is pushed.</summary>
internal sealed class ImageOptions
{
    public Option<string> Tag { get; } = new("--tag") { Description = "Image reference, REGISTRY/REPOSITORY[:TAG].", Required = true };

    public Option<bool> Push { get; } = new("--push") { Description = "Push the image to the registry of --tag." };

    public Option<bool> PlainHttp { get; } = new("--plain-http") { Description = "Talk HTTP, not HTTPS, to the registry (a local registry)." };

    public Option<string?> Layout { get; } = new("--oci-layout") { Description = "Write (or add to) an OCI image layout in this directory." };

    public Option<string> Arch { get; } = ArchOption();

    public IEnumerable<Option> All => [Tag, Push, PlainHttp, Layout, Arch];

    private static Option<string> ArchOption()
    {
        var arch = new Option<string>("--arch") { Description = "Image architecture.", DefaultValueFactory = _ => "amd64" };
        arch.AcceptOnlyFromAmong("amd64", "arm64");
        return arch;
    }
}
