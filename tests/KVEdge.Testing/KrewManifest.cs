using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace KVEdge.Testing;

/// <summary>
/// krew's structural check of a plugin manifest, ported (krew is a Go program not packaged for Debian): the rules of
/// kubernetes-sigs/krew internal/index/validation/validate.go, ValidatePlugin and validatePlatform, in their order. A
/// double: it checks what krew checks before it installs, not that the URIs answer.
/// </summary>
public static partial class KrewManifest
{
    [GeneratedRegex(@"^[\w-]+$")]
    private static partial Regex SafeName();

    [GeneratedRegex("^[a-f0-9]{64}$")]
    private static partial Regex Sha256();

    // krew's semver.Parse: a leading 'v' is required (internal/installation/semver/version.go).
    [GeneratedRegex(@"^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")]
    private static partial Regex SemVer();

    /// <summary>The problems krew would report for the manifest of plugin <paramref name="name"/>; empty when it is valid.</summary>
    public static IReadOnlyList<string> Validate(string name, string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        string? Scalar(YamlNode? node, params string[] path)
        {
            foreach (var key in path)
            {
                node = node is YamlMappingNode m && m.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child : null;
            }

            return (node as YamlScalarNode)?.Value;
        }

        YamlNode? Node(YamlNode? node, string key) => node is YamlMappingNode m && m.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child : null;

        var problems = new List<string>();
        if (Scalar(root, "apiVersion") != "krew.googlecontainertools.github.com/v1alpha2")
        {
            problems.Add($"apiVersion={Scalar(root, "apiVersion")} is not supported");
        }

        if (Scalar(root, "kind") != "Plugin")
        {
            problems.Add($"kind={Scalar(root, "kind")}, but only Plugin is supported");
        }

        if (!SafeName().IsMatch(name))
        {
            problems.Add($"the plugin name {name} is not allowed");
        }

        if (Scalar(root, "metadata", "name") != name)
        {
            problems.Add($"plugin should be named {name}, not {Scalar(root, "metadata", "name")}");
        }

        var spec = Node(root, "spec");
        var shortDescription = Scalar(spec, "shortDescription");
        if (string.IsNullOrEmpty(shortDescription) || shortDescription.IndexOfAny(['\r', '\n']) >= 0)
        {
            problems.Add("should have a short description without line breaks");
        }

        if (Node(spec, "platforms") is not YamlSequenceNode { Children.Count: > 0 } platforms)
        {
            problems.Add("should have a platform specified");
            return problems;
        }

        if (Scalar(spec, "version") is not { } version || !SemVer().IsMatch(version))
        {
            problems.Add($"version {Scalar(spec, "version")} is not a semantic version with a leading v");
        }

        foreach (var platform in platforms.Children)
        {
            if (string.IsNullOrEmpty(Scalar(platform, "uri")))
            {
                problems.Add("`uri` has to be set");
            }

            if (Scalar(platform, "sha256") is not { } sum || !Sha256().IsMatch(sum))
            {
                problems.Add($"`sha256` value {Scalar(platform, "sha256")} is not valid");
            }

            if (string.IsNullOrEmpty(Scalar(platform, "bin")))
            {
                problems.Add("`bin` has to be set");
            }

            if (Node(platform, "files") is YamlSequenceNode files)
            {
                if (files.Children.Count == 0 || files.Children.Any(f => string.IsNullOrEmpty(Scalar(f, "from")) || string.IsNullOrEmpty(Scalar(f, "to"))))
                {
                    problems.Add("`files` needs a from and a to in every entry");
                }
            }

            var labels = Node(Node(platform, "selector"), "matchLabels") as YamlMappingNode;
            if (labels is null || labels.Children.Count == 0 || labels.Children.Keys.Any(k => ((YamlScalarNode)k).Value is not ("os" or "arch")))
            {
                problems.Add("the selector must match on os and arch only");
            }
        }

        return problems;
    }
}
