using KVEdge.Core.Diagnostics;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace KVEdge.Core.Input;

/// <summary>Splits input files into documents; a multi-document file is a fleet.</summary>
public static class YamlDocumentReader
{
    public static IReadOnlyList<InputDocument> Read(string displayName, string text, DiagnosticBag diagnostics)
    {
        var stream = new YamlStream();
        try
        {
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

    // YamlDotNet messages repeat the position and sometimes quote the offending text; keep only the reason.
    private static string SyntaxMessage(YamlException ex)
    {
        var message = ex.InnerException?.Message ?? ex.Message;
        var cut = message.IndexOf("): ", StringComparison.Ordinal);
        return "invalid YAML: " + (cut >= 0 ? message[(cut + 3)..] : message);
    }
}
