using KVEdge.Testing;

namespace KVEdge.Core.Tests.Chart;

/// <summary>The real helm v4 (installed by scripts/install-test-tools.sh) against deploy/helm/aziot-edge-kubevirt.</summary>
public static class HelmChart
{
    public static string Dir => Path.Combine(RepoPaths.Root, "deploy", "helm", "aziot-edge-kubevirt");

    public static string Helm => ExternalTool.Require("helm", Path.Combine(RepoPaths.Root, ".tools", "helm", "helm"));

    public static ToolResult Run(params string[] args) => ExternalTool.Run(Helm, args);

    /// <summary>`helm template RELEASE CHART -n NS` with a values file (YAML text) and extra flags.</summary>
    public static ToolResult Template(string release, string ns, string? valuesYaml, params string[] extra)
    {
        var args = new List<string> { "template", release, Dir, "-n", ns };
        string? file = null;
        if (valuesYaml is not null)
        {
            file = Path.Combine(Path.GetTempPath(), $"kvedge-values-{Guid.NewGuid():N}.yaml");
            File.WriteAllText(file, valuesYaml);
            args.AddRange(["-f", file]);
        }

        args.AddRange(extra);
        try
        {
            return ExternalTool.Run(Helm, args);
        }
        finally
        {
            if (file is not null)
            {
                File.Delete(file);
            }
        }
    }
}
