using KVEdge.Core.Diagnostics;
using YamlDotNet.RepresentationModel;

namespace KVEdge.Core.Input;

/// <summary>Writes overrides into a document's node tree before binding, so they are validated like file content.</summary>
public static class OverrideApplier
{
    public static void Apply(InputDocument document, IEnumerable<ValueOverride> overrides, DiagnosticBag diagnostics)
    {
        foreach (var o in overrides)
        {
            var error = ApplyOne(document, o);
            if (error is not null)
            {
                var location = new SourceLocation(document.File, document.Index, 0, 0, o.Origin);
                diagnostics.Add(new Diagnostic(Severity.Error, location, o.PathText, "set-path", error));
            }
        }
    }

    private static string? ApplyOne(InputDocument document, ValueOverride o)
    {
        YamlNode current = document.Root;
        for (var i = 0; i < o.Path.Count; i++)
        {
            var segment = o.Path[i];
            var last = i == o.Path.Count - 1;
            var nextIsIndex = !last && o.Path[i + 1].Index is not null;
            if (segment.Key is { } key)
            {
                if (current is not YamlMappingNode mapping)
                {
                    return $"cannot set field {DisplayText.Value(key)}: the value there is not a mapping";
                }

                var keyNode = new YamlScalarNode(key);
                if (last)
                {
                    if (o.Value is null)
                    {
                        mapping.Children.Remove(keyNode);
                    }
                    else
                    {
                        MarkTree(document, o.Value, o.Origin);
                        mapping.Children[keyNode] = o.Value;
                    }

                    return null;
                }

                if (!mapping.Children.TryGetValue(keyNode, out var child) || !FitsNext(child, nextIsIndex))
                {
                    child = nextIsIndex ? new YamlSequenceNode() : new YamlMappingNode();
                    document.SetOrigin(child, o.Origin);
                    mapping.Children[keyNode] = child;
                }

                current = child;
            }
            else
            {
                var index = segment.Index!.Value;
                if (current is not YamlSequenceNode sequence)
                {
                    return $"cannot use index [{index}]: the value there is not a list";
                }

                if (index > sequence.Children.Count)
                {
                    return $"index [{index}] is past the end of a list of {sequence.Children.Count}";
                }

                if (last)
                {
                    if (o.Value is null)
                    {
                        return "null cannot replace a list item";
                    }

                    MarkTree(document, o.Value, o.Origin);
                    if (index == sequence.Children.Count)
                    {
                        sequence.Children.Add(o.Value);
                    }
                    else
                    {
                        sequence.Children[index] = o.Value;
                    }

                    return null;
                }

                if (index == sequence.Children.Count || !FitsNext(sequence.Children[index], nextIsIndex))
                {
                    YamlNode fresh = nextIsIndex ? new YamlSequenceNode() : new YamlMappingNode();
                    document.SetOrigin(fresh, o.Origin);
                    if (index == sequence.Children.Count)
                    {
                        sequence.Children.Add(fresh);
                    }
                    else
                    {
                        sequence.Children[index] = fresh;
                    }
                }

                current = sequence.Children[index];
            }
        }

        return null;
    }

    private static bool FitsNext(YamlNode node, bool nextIsIndex) =>
        nextIsIndex ? node is YamlSequenceNode : node is YamlMappingNode;

    private static void MarkTree(InputDocument document, YamlNode node, string origin)
    {
        document.SetOrigin(node, origin);
        switch (node)
        {
            case YamlSequenceNode s:
                foreach (var child in s.Children)
                {
                    MarkTree(document, child, origin);
                }

                break;
            case YamlMappingNode m:
                foreach (var (_, value) in m.Children)
                {
                    MarkTree(document, value, origin);
                }

                break;
        }
    }
}
