using System.Text.RegularExpressions;
using KVEdge.Testing;

namespace KVEdge.Core.Tests.Docs;

/// <summary>The docs name real files: every repository path docs/architecture.md names, and every link of the README and
/// docs/, exists, so a move or a rename that forgets the docs fails here.</summary>
public sealed partial class ArchitectureDocTests
{
    private static readonly string[] Roots = ["src/", "tests/", "deploy/", "bench/", "docs/", "scripts/", "examples/"];

    [GeneratedRegex("`([^`\\s]+)`")]
    private static partial Regex Backticked();

    [GeneratedRegex(@"\]\(([^)#\s]+)\)")]
    private static partial Regex Link();

    private static bool Exists(string path)
    {
        var full = Path.Combine(RepoPaths.Root, path.TrimEnd('/'));
        return File.Exists(full) || Directory.Exists(full);
    }

    [Fact]
    public void Every_path_the_architecture_doc_names_exists()
    {
        var text = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "architecture.md"));
        var named = new List<string>();

        // In the prose and tables: backticked repository paths.
        named.AddRange(Backticked().Matches(text).Select(m => m.Groups[1].Value).Where(p => Roots.Any(r => p.StartsWith(r, StringComparison.Ordinal))));

        // In the layout block: a top-level path per line, and its sub-folders indented under it.
        var block = text[(text.IndexOf("## Layout", StringComparison.Ordinal) + 9)..];
        string? parent = null;
        foreach (var line in block.Split('\n').Where(l => l.Length > 0 && !l.StartsWith("```", StringComparison.Ordinal)))
        {
            var token = line.TrimStart().Split(' ')[0];
            if (!line.StartsWith(' ') && Roots.Any(r => token.StartsWith(r, StringComparison.Ordinal) || token + "/" == r))
            {
                parent = token;
                named.Add(token);
            }
            else if (line.StartsWith("  ", StringComparison.Ordinal) && !line.StartsWith("   ", StringComparison.Ordinal) && token.EndsWith('/') && parent is not null)
            {
                named.Add($"{parent.TrimEnd('/')}/{token}");
            }
        }

        Assert.True(named.Count >= 40, $"only {named.Count} paths found: the doc's shape changed");
        var missing = named.Where(p => !Exists(p)).Distinct().ToList();
        Assert.True(missing.Count == 0, "named in docs/architecture.md but missing: " + string.Join(", ", missing));
    }

    [Fact]
    public void Every_link_in_the_readme_and_the_docs_resolves()
    {
        var files = Directory.GetFiles(Path.Combine(RepoPaths.Root, "docs"), "*.md").Append(Path.Combine(RepoPaths.Root, "README.md"));
        var broken = new List<string>();
        foreach (var file in files)
        {
            foreach (var link in Link().Matches(File.ReadAllText(file)).Select(m => m.Groups[1].Value).Where(l => !l.Contains("://", StringComparison.Ordinal)))
            {
                var target = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, link));
                if (!File.Exists(target) && !Directory.Exists(target))
                {
                    broken.Add($"{Path.GetRelativePath(RepoPaths.Root, file)}: {link}");
                }
            }
        }

        Assert.True(broken.Count == 0, string.Join("\n", broken));
    }

    [Fact]
    public void The_readme_stays_a_front_page_with_the_two_commands_at_the_top()
    {
        var readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md"));
        Assert.True(readme.Length <= 8 * 1024, $"README.md is {readme.Length} bytes; details belong in docs/");
        var first = readme[readme.IndexOf("```bash\n", StringComparison.Ordinal)..];
        first = first[..first.IndexOf("\n```", 8, StringComparison.Ordinal)];
        Assert.Contains("dotnet run --project src/KVEdge.Cli -- template", first, StringComparison.Ordinal);
        Assert.Contains("bash scripts/test.sh", first, StringComparison.Ordinal);
    }
}
