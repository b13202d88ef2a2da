using System.Text.RegularExpressions;
using KVEdge.Testing;

namespace KVEdge.Core.Tests.Docs;

/// <summary>
/// The layer rules docs/architecture.md states, checked over the sources: which folder of the core may use which, no
/// console in the core, no blocking waits in the commands, and a file named after the type it holds.
/// </summary>
public sealed partial class LayerRulesTests
{
    private static IEnumerable<string> Sources(string folder) =>
        Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, folder), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    private static string Relative(string path) => Path.GetRelativePath(RepoPaths.Root, path);

    /// <summary>Each core folder and the folders it must not use.</summary>
    public static TheoryData<string, string[]> Layers => new()
    {
        // The cluster seam knows nothing of devices, specs or verbs.
        { "Kube", ["Actions", "Rendering", "Spec", "Validation", "Input", "Output", "Controllers"] },
        // IoT Hub's REST seam, like the cluster's, knows nothing of devices, specs or verbs (registration sits on it).
        { "IotHub", ["Actions", "Rendering", "Spec", "Validation", "Input", "Output", "Controllers", "Kube"] },
        // Rules read the spec and its vocabulary, never the renderer or the cluster.
        { "Validation", ["Actions", "Rendering", "Kube", "Output", "Controllers"] },
        // Reading input comes first: it knows the spec, nothing after it.
        { "Input", ["Actions", "Rendering", "Kube", "Validation", "Output", "Controllers"] },
        // The spec knows no reader of it: its fields are read from its own metadata (SpecFields).
        { "Spec", ["Actions", "Rendering", "Kube", "Input", "Output", "Controllers"] },
        { "Rendering", ["Actions", "Kube", "Controllers"] },
        // The operator's controller sits on the actions (one reconcile for both); no action knows it.
        { "Actions", ["Controllers"] },
    };

    [Theory]
    [MemberData(nameof(Layers))]
    public void A_core_folder_uses_only_the_layers_before_it(string layer, string[] forbidden)
    {
        var offenders = Sources($"src/KVEdge.Core/{layer}")
            .SelectMany(f => File.ReadLines(f).Where(l => forbidden.Any(x => l.StartsWith($"using KVEdge.Core.{x};", StringComparison.Ordinal)
                || l.StartsWith($"using KVEdge.Core.{x}.", StringComparison.Ordinal))).Select(l => $"{Relative(f)}: {l}"))
            .ToList();
        Assert.True(offenders.Count == 0, string.Join("\n", offenders));
    }

    // The same rules, from the compiled core: a fully qualified name (Validation.Quantities) uses a layer as much as a
    // using line does.
    [Theory]
    [MemberData(nameof(Layers))]
    public void A_core_layer_uses_only_the_layers_before_it_by_its_compiled_types(string layer, string[] forbidden)
    {
        var offenders = CoreUses().Where(e => e.From == layer && forbidden.Contains(e.To)).Select(e => $"{e.From}.{e.Type} uses {e.To}.{e.Used}").Order(StringComparer.Ordinal).ToList();
        Assert.True(offenders.Count == 0, string.Join("\n", offenders));
    }

    [Fact]
    public void No_two_core_layers_use_each_other()
    {
        var uses = CoreUses().ToList();
        var pairs = uses.Where(a => string.CompareOrdinal(a.From, a.To) < 0 && uses.Any(b => b.From == a.To && b.To == a.From)).Select(a => (a.From, a.To)).Distinct().ToList();
        var cycles = pairs
            .Select(p => $"{p.From} <-> {p.To}: {string.Join(", ", uses.Where(u => (u.From, u.To) == p || (u.From, u.To) == (p.To, p.From)).Select(u => $"{u.From}.{u.Type} -> {u.To}.{u.Used}").Distinct().Order(StringComparer.Ordinal).Take(12))}")
            .ToList();
        Assert.True(cycles.Count == 0, string.Join("\n", cycles));
    }

    // Layer to layer: KVEdge.Core.Rendering.IotEdge counts as Rendering.
    private static IEnumerable<(string From, string To, string Type, string Used)> CoreUses()
    {
        static string? Layer(string ns) => ns.StartsWith("KVEdge.Core.", StringComparison.Ordinal) ? ns["KVEdge.Core.".Length..].Split('.')[0] : null;
        return TypeDependencies.Of(typeof(KVEdge.Core.Kube.Informer).Assembly.Location)
            .Select(e => (From: Layer(e.From), To: Layer(e.To), e.Type, e.Used))
            .Where(e => e.From is not null && e.To is not null && e.From != e.To)
            .Select(e => (e.From!, e.To!, e.Type, e.Used));
    }

    [Fact]
    public void The_core_writes_to_no_console()
    {
        var offenders = Sources("src/KVEdge.Core").Where(f => ConsoleUse().IsMatch(File.ReadAllText(f))).Select(Relative).ToList();
        Assert.True(offenders.Count == 0, string.Join("\n", offenders));
    }

    [Fact]
    public void Commands_never_block_on_a_task_nor_drop_the_cancellation_token()
    {
        var offenders = Sources("src/KVEdge.Cli/Commands")
            .SelectMany(f => File.ReadLines(f).Where(l => l.Contains(".GetAwaiter().GetResult()", StringComparison.Ordinal) || l.Contains("CancellationToken.None", StringComparison.Ordinal))
                .Select(l => $"{Relative(f)}: {l.Trim()}"))
            .ToList();
        Assert.True(offenders.Count == 0, string.Join("\n", offenders));
    }

    [Theory]
    [InlineData("src")]
    [InlineData("tests/KVEdge.Testing")]
    [InlineData("tests/KVEdge.Testing.ApiServer")]
    public void Every_file_is_named_after_the_type_it_holds(string folder)
    {
        var offenders = new List<string>();
        foreach (var file in Sources(folder).Where(f => Path.GetFileName(f) is not ("Program.cs" or "AssemblyInfo.cs")))
        {
            var types = TypeDeclaration().Matches(File.ReadAllText(file)).Select(m => m.Groups[1].Value).ToList();
            // A partial's file is TYPE.CONCERN.cs.
            var expected = Path.GetFileNameWithoutExtension(file).Split('.')[0];
            if (types.Count == 0 || types[0] != expected || types.Skip(1).Any())
            {
                offenders.Add($"{Relative(file)}: {string.Join(", ", types)}");
            }
        }

        Assert.True(offenders.Count == 0, string.Join("\n", offenders));
    }

    [GeneratedRegex(@"\bSystem\.Console\b|\bConsole\.(Out|Error|Write|WriteLine|In)\b")]
    private static partial Regex ConsoleUse();

    // Top-level types only: a declaration at the start of a line (nested ones are indented).
    [GeneratedRegex(@"^(?:(?:public|internal|file|sealed|static|abstract|partial|readonly)\s+)*(?:class|record struct|record|interface|enum|struct|delegate\s+\S+)\s+(\w+)", RegexOptions.Multiline)]
    private static partial Regex TypeDeclaration();
}
