using KVEdge.Core.Actions;
using KVEdge.Core.Input;
using KVEdge.Core.Output;
using KVEdge.Testing;

namespace KVEdge.Core.Tests.Rendering;

/// <summary>Every valid spec the repository holds: the examples and tests/testdata/valid.</summary>
public static class RenderFixtures
{
    public static IEnumerable<string> ValidFiles() =>
        Directory.EnumerateFiles(RepoPaths.Examples, "*.yaml")
            .Concat(Directory.EnumerateFiles(Path.Combine(RepoPaths.TestData, "valid"), "*.yaml"))
            .Concat(Directory.EnumerateFiles(Path.Combine(RepoPaths.TestData, "iotedge"), "*.yaml"))
            .Order(StringComparer.Ordinal);

    public static TheoryData<string> ValidFileNames()
    {
        var data = new TheoryData<string>();
        foreach (var f in ValidFiles())
        {
            data.Add(Path.GetRelativePath(RepoPaths.Root, f));
        }

        return data;
    }

    public static TemplateResult Render(string relativePath, IReadOnlyList<ValueOverride>? overrides = null)
    {
        var path = Path.Combine(RepoPaths.Root, relativePath);
        var result = TemplateAction.Run([new InputFile(relativePath, File.ReadAllText(path))], overrides ?? [], "default", TestCredentials.Environment.GetValueOrDefault);
        Assert.False(result.Diagnostics.HasErrors, string.Join("\n", result.Diagnostics.Items));
        return result;
    }

    public static string RenderYaml(string relativePath) => ManifestSerializer.ToYaml(Render(relativePath).Devices);
}
