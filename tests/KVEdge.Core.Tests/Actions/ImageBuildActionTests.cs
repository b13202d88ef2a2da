using KVEdge.Core.Actions;
using KVEdge.Core.Images;
using KVEdge.Testing;

namespace KVEdge.Core.Tests.Actions;

/// <summary>`kvedge image build`'s work without the CLI, against Debian's docker-registry on 127.0.0.1.</summary>
public sealed class ImageBuildActionTests : IDisposable
{
    private readonly LocalRegistry _registry = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("kvedge-build-action-").FullName;
    private readonly string _disk;

    public ImageBuildActionTests()
    {
        _disk = Path.Combine(_dir, "edge.qcow2");
        Assert.Equal(0, ExternalTool.Run(ExternalTool.Require("qemu-img"), ["create", "-q", "-f", "qcow2", _disk, "64M"]).ExitCode);
    }

    public void Dispose()
    {
        _registry.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private sealed class Lines : IImageReporter
    {
        public List<string> All { get; } = [];

        public void Line(string text) => All.Add(text);

        public Task<T> WithProgress<T>(string label, long total, Func<IProgress<long>?, Task<T>> work) => work(null);
    }

    private ImageBuildOptions Options(string repository, string? layout, bool push) => new(
        DiskImage.Probe(_disk, out _)!, ImageReference.TryParse($"{_registry.Host}/{repository}:v1", out _)!, layout, push, PlainHttp: true, "amd64", null,
        Path.Combine(_dir, "cache"));

    [Fact]
    public async Task Push_only_builds_in_a_temporary_layout_and_a_second_push_uploads_nothing()
    {
        var lines = new Lines();
        var first = await ImageBuildAction.RunAsync(Options("edge/os", layout: null, push: true), lines, CancellationToken.None);
        Assert.Null(first.Failure);
        Assert.Matches($"^{System.Text.RegularExpressions.Regex.Escape(_registry.Host)}/edge/os@sha256:[0-9a-f]{{64}}$", first.Reference);

        var again = new Lines();
        var second = await ImageBuildAction.RunAsync(Options("edge/os", layout: null, push: true), again, CancellationToken.None);
        Assert.Equal(first.Reference, second.Reference);
        Assert.Contains(again.All, l => l.Contains("unchanged since it was last built, and already in", StringComparison.Ordinal));
        Assert.Contains(again.All, l => l.Contains(": 0 bytes uploaded", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_layout_only_build_writes_the_layout_and_needs_no_registry()
    {
        var layout = Path.Combine(_dir, "layout");
        var result = await ImageBuildAction.RunAsync(Options("edge/os", layout, push: false), new Lines(), CancellationToken.None);
        Assert.Null(result.Failure);
        Assert.True(File.Exists(Path.Combine(layout, "index.json")));
    }

    [Fact]
    public async Task An_unreachable_registry_is_a_failure_not_an_exception()
    {
        var options = Options("edge/os", null, push: true) with { Reference = ImageReference.TryParse("127.0.0.1:9/edge/os:v1", out _)! };
        var result = await ImageBuildAction.RunAsync(options, new Lines(), CancellationToken.None);
        Assert.Equal(FailureKind.Failed, result.Failure?.Kind);
        Assert.StartsWith("cannot reach 127.0.0.1:9", result.Failure!.Message, StringComparison.Ordinal);
    }
}
