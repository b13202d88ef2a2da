using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using KVEdge.Core.Diagnostics;
using KVEdge.Testing;
using Xunit.Abstractions;

namespace KVEdge.Core.Tests.Chart;

/// <summary>
/// The malformed corpus through `helm template` of the chart: every case a chart can be given (one document; a spec,
/// name, namespace or label field; not marked `# chart: skip`) must fail, naming its value path, and never print a
/// credential-looking value. The chart's values are the spec, so a case's spec is its values file.
/// </summary>
public partial class ChartCorpusTests(ITestOutputHelper output)
{
    public static TheoryData<string> Applicable() => new(MalformedCorpus.All.Where(c => NotApplicable(c) is null).Select(c => c.Name));

    [Fact]
    public void Every_case_the_chart_can_be_given_is_counted()
    {
        var applicable = MalformedCorpus.All.Count(c => NotApplicable(c) is null);
        output.WriteLine($"chart-applicable: {applicable} of {MalformedCorpus.All.Count}");
        foreach (var c in MalformedCorpus.All.Where(c => NotApplicable(c) is not null))
        {
            output.WriteLine($"  not applicable: {c.Name}: {NotApplicable(c)}");
        }

        Assert.True(applicable >= 100, $"only {applicable} cases reach the chart");
    }

    [Theory]
    [MemberData(nameof(Applicable))]
    public void The_chart_refuses_each_case_naming_its_value_path(string name)
    {
        var c = MalformedCorpus.Get(name);
        var doc = YamlToJson.ParseAll(File.ReadAllText(c.File)).Single();
        var values = (JsonObject?)doc["spec"]?.DeepClone() ?? [];
        var metadata = doc["metadata"] as JsonObject;
        if (metadata?["name"] is { } n)
        {
            values["nameOverride"] = n.DeepClone();
        }

        foreach (var key in new[] { "labels", "annotations" })
        {
            if (metadata?[key] is { } m)
            {
                values[key] = m.DeepClone();
            }
        }

        var ns = (string?)metadata?["namespace"] ?? "default";
        var args = new List<string>();
        foreach (var set in c.Sets)
        {
            var (path, value) = (set[..set.IndexOf('=', StringComparison.Ordinal)], set[(set.IndexOf('=', StringComparison.Ordinal) + 1)..]);
            if (path == "metadata.namespace")
            {
                ns = value;
            }
            else
            {
                args.AddRange(["--set", $"{ValuePath(path)}={value}"]);
            }
        }

        foreach (var (path, file) in c.SetFiles)
        {
            args.AddRange(["--set-file", $"{ValuePath(path)}={file}"]);
        }

        var result = HelmChart.Template("edge", ns, values.ToJsonString(), [.. args]);

        Assert.True(result.ExitCode != 0, $"helm rendered {c.Name}:\n{result.StdOut[..Math.Min(result.StdOut.Length, 400)]}");
        Assert.True(Names(result.StdErr, c), $"expected {c.Name}'s path {c.Path} ({ValuePath(c.Path)}) in:\n{result.StdErr}");
        foreach (var part in c.GivenValues.Where(DisplayText.LooksLikeCredential).SelectMany(MalformedCase.SecretParts))
        {
            Assert.DoesNotContain(part, result.StdErr, StringComparison.Ordinal);
        }
    }

    /// <summary>Why a case cannot be given to the chart, or null when it can.</summary>
    public static string? NotApplicable(MalformedCase c)
    {
        if (c.ChartSkip is { } reason)
        {
            return reason;
        }

        if (!(c.Path.StartsWith("spec.", StringComparison.Ordinal) || c.Path is "metadata.name" or "metadata.namespace" || c.Path.StartsWith("metadata.labels", StringComparison.Ordinal) || c.Path.StartsWith("metadata.annotations", StringComparison.Ordinal)))
        {
            return "a document-level rule (apiVersion, kind, YAML, fleet): a chart has no document";
        }

        try
        {
            return YamlToJson.ParseAll(File.ReadAllText(c.File)).Count == 1 ? null : "more than one document";
        }
        catch (Exception ex) when (ex is YamlDotNet.Core.YamlException or InvalidOperationException)
        {
            return "not YAML";
        }
    }

    /// <summary>The corpus path as a chart value path: spec.a.b[0] → a.b[0]; metadata.name → nameOverride.</summary>
    public static string ValuePath(string path) => path switch
    {
        "metadata.name" => "nameOverride",
        "metadata.namespace" => "namespace",
        _ when path.StartsWith("spec.", StringComparison.Ordinal) => path["spec.".Length..],
        _ when path.StartsWith("metadata.", StringComparison.Ordinal) => path["metadata.".Length..],
        _ => path,
    };

    [GeneratedRegex(@"([A-Za-z0-9_]+)|\[([^\]]+)\]")]
    private static partial Regex Segment();

    /// <summary>helm names a value by JSON pointer (schema) or by our dotted path (templates/_validate.tpl).</summary>
    private static bool Names(string stderr, MalformedCase c)
    {
        var dotted = ValuePath(c.Path);
        var segments = Segment().Matches(dotted).Select(m => m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value).ToList();
        var pointer = "/" + string.Join("/", segments.Select(s => s.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal)));
        if (stderr.Contains($"at '{pointer}'", StringComparison.Ordinal) || stderr.Contains($"{dotted}: ", StringComparison.Ordinal))
        {
            return true;
        }

        // An unknown or missing key is reported at its parent ("at '/cpu': additional properties 'coers' not allowed",
        // "at '/rootDisk/pvc': missing property 'name'"); a bad map key by itself ("invalid propertyName 'bad key'").
        var parent = "/" + string.Join("/", pointer.Split('/', StringSplitOptions.RemoveEmptyEntries).SkipLast(1));
        var atParent = stderr.Contains($"at '{(parent == "/" ? "" : parent)}'", StringComparison.Ordinal);
        return c.Rule switch
        {
            "unknown-field" => atParent && stderr.Contains($"'{segments[^1]}'", StringComparison.Ordinal),
            "required" => atParent && stderr.Contains($"missing property '{segments[^1]}'", StringComparison.Ordinal),
            "label-key" or "annotation-key" or "reserved-label" => stderr.Contains($"invalid propertyName '{segments[^1]}'", StringComparison.Ordinal),
            _ => false,
        };
    }
}
