using System.Security.Cryptography;
using KVEdge.Testing;

namespace KVEdge.Cli.Tests.Release;

/// <summary>
/// scripts/release.sh, run as a release runs it: a self-contained `kvedge` per architecture in a reproducible archive,
/// and deploy/krew/kvedge.yaml filled with the version and each archive's SHA-256, valid as krew checks a manifest.
/// </summary>
[Collection(ReleaseRunsAlone.Name)]
public sealed class ReleaseScriptTests : IDisposable
{
    private readonly string _out = Directory.CreateTempSubdirectory("kvedge-release-").FullName;

    public void Dispose() => Directory.Delete(_out, recursive: true);

    [Fact]
    public void The_release_archives_run_and_the_krew_manifest_names_them_by_checksum()
    {
        var run = ExternalTool.Run("/usr/bin/env", ["bash", Path.Combine(RepoPaths.Root, "scripts", "release.sh"), "0.9.1", _out], timeoutSeconds: 900);
        Assert.True(run.ExitCode == 0, run.StdOut + run.StdErr);

        var manifest = File.ReadAllText(Path.Combine(_out, "kvedge.yaml"));
        Assert.Empty(KrewManifest.Validate("kvedge", manifest));
        Assert.DoesNotMatch("@[A-Z0-9_]+@", manifest);
        foreach (var arch in new[] { "amd64", "arm64" })
        {
            var archive = Path.Combine(_out, $"kvedge_0.9.1_linux_{arch}.tar.gz");
            var sum = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(archive)));
            Assert.Contains($"uri: https://github.com/kvedge/kvedge/releases/download/v0.9.1/kvedge_0.9.1_linux_{arch}.tar.gz\n    sha256: \"{sum}\"", manifest, StringComparison.Ordinal);
        }

        // The amd64 binary runs here without the .NET runtime's help, and says which version it is.
        var unpacked = Path.Combine(_out, "unpacked");
        Directory.CreateDirectory(unpacked);
        Assert.Equal(0, ExternalTool.Run("tar", ["-xzf", Path.Combine(_out, "kvedge_0.9.1_linux_amd64.tar.gz"), "-C", unpacked]).ExitCode);
        var version = ExternalTool.Run("/usr/bin/env", ["-u", "DOTNET_ROOT", Path.Combine(unpacked, "kvedge"), "version"]);
        Assert.True(version.ExitCode == 0, version.StdErr);
        Assert.StartsWith("kvedge 0.9.1 (commit ", version.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public void Krews_rules_refuse_a_manifest_with_an_unfilled_checksum()
    {
        // The template itself, before the release script fills it, is what krew would refuse.
        var problems = KrewManifest.Validate("kvedge", File.ReadAllText(Path.Combine(RepoPaths.Root, "deploy", "krew", "kvedge.yaml")));
        Assert.Contains("`sha256` value @SHA256_LINUX_AMD64@ is not valid", problems);
        Assert.Contains("version v@VERSION@ is not a semantic version with a leading v", problems);
        Assert.Contains("plugin should be named other, not kvedge", KrewManifest.Validate("other", File.ReadAllText(Path.Combine(RepoPaths.Root, "deploy", "krew", "kvedge.yaml"))));
    }
}

/// <summary>The release build runs alone: two publishes at once would starve the timing-sensitive tests running beside it.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ReleaseRunsAlone
{
    public const string Name = "release";
}
