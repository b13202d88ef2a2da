using KVEdge.Core.Files;
using KVEdge.Core.Diagnostics;
using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KVEdge.Cli.Console;

/// <summary>
/// Machine output, one writer for every command that prints a list: -o table or wide (columns as kubectl prints them, three
/// spaces apart, the last one unpadded), json (indented) or yaml, always on stdout.
/// </summary>
public static class OutputWriter
{
    public const string Table = "table";

    /// <summary>A table with more columns (kubectl's -o wide); the command chooses them.</summary>
    public const string Wide = "wide";
    public const string Json = "json";
    public const string Yaml = "yaml";

    /// <summary>-o/--output, checked at parse time against <paramref name="formats"/> (the first is the default).</summary>
    public static Option<string> Option(string description, params string[] formats)
    {
        var option = new Option<string>("--output", "-o") { Description = description, DefaultValueFactory = _ => formats[0] };
        option.AcceptOnlyFromAmong(formats);
        return option;
    }

    /// <summary>Writes <paramref name="document"/> as json or yaml, or <paramref name="header"/> and <paramref name="rows"/> as a table.</summary>
    public static void Write(TextWriter stdout, string format, JsonNode document, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        switch (format)
        {
            case Json:
                stdout.WriteLine(document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
                break;
            case Yaml:
                stdout.Write(YamlWriter.Write(document));
                break;
            default:
                WriteTable(stdout, header, [.. rows]);
                break;
        }
    }

    /// <summary>The longest cell a table shows; the rest is cut with "...". JSON and YAML carry the whole value.</summary>
    public const int MaxCell = 256;

    /// <summary>
    /// A table of cells that are escaped (control, bidirectional and zero-width characters as escapes, as kubectl does
    /// since 1.26) and bounded: much of what a table shows comes from the cluster or the guest (the OS name the guest
    /// agent reports, node names, phases, condition messages), and root in a guest must not reach the admin's terminal.
    /// </summary>
    public static void WriteTable(TextWriter stdout, IReadOnlyList<string> header, IReadOnlyList<IReadOnlyList<string>> rawRows)
    {
        var rows = rawRows.Select(r => (IReadOnlyList<string>)[.. r.Select(Cell)]).ToList();
        var widths = header.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        foreach (var row in rows.Prepend(header))
        {
            stdout.WriteLine(string.Join("   ", row.Select((c, i) => i == row.Count - 1 ? c : c.PadRight(widths[i]))).TrimEnd());
        }
    }

    private static string Cell(string value)
    {
        var escaped = DisplayText.Escape(value);
        return escaped.Length <= MaxCell ? escaped : escaped[..(MaxCell - 3)] + "...";
    }
}
