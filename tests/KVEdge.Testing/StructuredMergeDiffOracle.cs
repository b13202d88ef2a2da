using System.Text.Json.Nodes;

namespace KVEdge.Testing;

/// <summary>
/// The real server-side-apply algorithm: tests/ssa-oracle, a small Go program over kubernetes-sigs/structured-merge-diff
/// 4.1.2 (the API server's own library), built offline by scripts/build-ssa-oracle.sh from Debian's packages.
/// </summary>
public static class StructuredMergeDiffOracle
{
    public static string Binary => Path.Combine(RepoPaths.Root, ".tools", "ssa-oracle", "ssa-oracle");

    public static IReadOnlyList<SsaOutcome> Run(string apiVersion, string kind, IReadOnlyList<SsaStep> steps)
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"{Binary} is not built; run scripts/install-test-tools.sh (the README's test command does)");
        }

        var input = new JsonObject
        {
            ["schema"] = StructuredMergeDiffSchema.For(apiVersion, kind),
            ["type"] = StructuredMergeDiffSchema.RootType,
            ["apiVersion"] = apiVersion,
            ["steps"] = new JsonArray([.. steps.Select(s => (JsonNode)new JsonObject
            {
                ["manager"] = s.Manager,
                ["operation"] = s.Operation,
                ["force"] = s.Force,
                ["object"] = s.Body.DeepClone(),
            })]),
        };
        var result = ExternalTool.Run(Binary, [], input.ToJsonString());
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"ssa-oracle exited {result.ExitCode}: {result.StdErr}");
        }

        return [.. JsonNode.Parse(result.StdOut)!.AsArray().Select((r, i) =>
        {
            if (r!["error"] is { } error)
            {
                throw new InvalidOperationException($"ssa-oracle step {i}: {error}");
            }

            return new SsaOutcome(
                r["object"] as JsonObject,
                [.. (r["managedFields"] as JsonArray ?? []).Select(m => (m!["manager"]!.GetValue<string>(), m["operation"]!.GetValue<string>(), m["fieldsV1"]!.DeepClone()))],
                [.. r["conflicts"]!.AsArray().Select(c => $"{c!["manager"]!.GetValue<string>()} {c["field"]!.GetValue<string>()}").Order(StringComparer.Ordinal)]);
        })];
    }
}
