using KVEdge.Core.Diagnostics;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace KVEdge.Core.Input;

/// <summary>Splits input files into documents; a multi-document file is a fleet.</summary>
public static class YamlDocumentReader
{
    /// <summary>
    /// A document whose aliases would expand past this many nodes is refused: "billion laughs" (a few lines whose
    /// anchors nest tenfold) would otherwise take the binder's time and memory. go-yaml, which kubectl and helm use,
    /// refuses "excessive aliasing" the same way. A real spec has a few hundred nodes.
    /// </summary>
    public const int MaxExpandedNodes = 100_000;

    public static IReadOnlyList<InputDocument> Read(string displayName, string text, DiagnosticBag diagnostics)
    {
        var stream = new YamlStream();
        try
        {
            if (Files.YamlDepth.FirstTooDeep(text) is { } deep)
            {
                var location = new SourceLocation(displayName, 0, (int)deep.Line, (int)deep.Column);
                diagnostics.Add(new Diagnostic(Severity.Error, location, "", "yaml-depth",
                    $"mappings and lists nest more than {Files.YamlDepth.Max} deep here; a spec needs no such nesting"));
                return [];
            }

            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            var location = new SourceLocation(displayName, 0, (int)ex.Start.Line, (int)ex.Start.Column);
            diagnostics.Add(new Diagnostic(Severity.Error, location, "", "yaml-syntax", SyntaxMessage(ex)));
            return [];
        }

        var documents = new List<InputDocument>();
        for (var i = 0; i < stream.Documents.Count; i++)
        {
            var root = stream.Documents[i].RootNode;
            if (root is YamlScalarNode { Value: null or "" })
            {
                continue; // an empty document, as left by a trailing '---'
            }

            if (Expanded(root, new Dictionary<YamlNode, long>(ReferenceEqualityComparer.Instance), 0) > MaxExpandedNodes)
            {
                var location = new SourceLocation(displayName, i + 1, (int)root.Start.Line, (int)root.Start.Column);
                diagnostics.Add(new Diagnostic(Severity.Error, location, "", "yaml-aliases",
                    $"its aliases expand to more than {MaxExpandedNodes} nodes; a spec needs no such nesting (write the values out)"));
                continue;
            }

            if (root is not YamlMappingNode mapping)
            {
                var location = new SourceLocation(displayName, i + 1, (int)root.Start.Line, (int)root.Start.Column);
                diagnostics.Add(new Diagnostic(Severity.Error, location, "", "document-shape",
                    "a document must be a mapping with apiVersion, kind, metadata and spec"));
                continue;
            }

            documents.Add(new InputDocument(displayName, i + 1, mapping));
        }

        return documents;
    }

    // Nodes the document would have with every alias written out, counted once per distinct node (memoised) and
    // capped early, so the count itself stays cheap.
    private static long Expanded(YamlNode node, Dictionary<YamlNode, long> seen, int depth)
    {
        if (seen.TryGetValue(node, out var known))
        {
            return known;
        }

        if (depth > 1000)
        {
            return MaxExpandedNodes + 1L;
        }

        long total = 1;
        IEnumerable<YamlNode> children = node switch
        {
            YamlMappingNode m => m.Children.SelectMany(kv => new[] { kv.Key, kv.Value }),
            YamlSequenceNode s => s.Children,
            _ => [],
        };
        foreach (var child in children)
        {
            total += Expanded(child, seen, depth + 1);
            if (total > MaxExpandedNodes)
            {
                break;
            }
        }

        seen[node] = total;
        return total;
    }

    // YamlDotNet messages repeat the position and sometimes quote the offending text; keep only the reason.
    private static string SyntaxMessage(YamlException ex)
    {
        var message = ex.InnerException?.Message ?? ex.Message;
        var cut = message.IndexOf("): ", StringComparison.Ordinal);
        return "invalid YAML: " + (cut >= 0 ? message[(cut + 3)..] : message);
    }
}
