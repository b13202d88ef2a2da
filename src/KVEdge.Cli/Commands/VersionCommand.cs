using System.CommandLine;
using System.Reflection;
using System.Text.Json.Nodes;
using KVEdge.Cli.Console;
using KVEdge.Core.Rendering;
using KVEdge.Core.Spec;

namespace KVEdge.Cli.Commands;

/// <summary>
/// <c>kvedge version [-o json|yaml]</c>, as <c>kubectl version</c> and <c>helm version</c> print theirs: kvedge's own
/// version and commit, and the KubeVirt, CDI, Kubernetes and IoT Edge versions it renders for.
/// </summary>
internal sealed class VersionCommand(ICliConsole console) : CliCommand(console)
{
    private readonly Option<string> _output = OutputWriter.Option("text, json or yaml.", "text", OutputWriter.Json, OutputWriter.Yaml);

    public static Command Create(ICliConsole console) => new VersionCommand(console).Build();

    protected override Command Define() => new("version", "Print kvedge's version and commit, and the KubeVirt, CDI, Kubernetes and IoT Edge versions it renders for.") { _output };

    protected override Task<int> ExecuteAsync(ParseResult result, HumanOutput human, CancellationToken ct)
    {
        var (version, commit) = Current();
        var iotEdge = IotEdgeSpec.DefaultVersion;
        var identity = ProvisioningModes.IdentityServiceVersion(new IotEdgeSpec());
        var document = new JsonObject
        {
            ["kvedge"] = new JsonObject { ["version"] = version, ["commit"] = commit },
            ["rendersFor"] = new JsonObject
            {
                ["kubevirt"] = TargetVersions.KubeVirt,
                ["cdi"] = TargetVersions.Cdi,
                ["kubernetes"] = TargetVersions.Kubernetes,
                ["aziotEdge"] = iotEdge,
                ["aziotIdentityService"] = identity,
            },
        };
        var format = result.GetValue(_output)!;
        if (format == "text")
        {
            Console.StdOut.WriteLine($"kvedge {version} (commit {commit})");
            Console.StdOut.WriteLine($"renders for: KubeVirt {TargetVersions.KubeVirt}, CDI {TargetVersions.Cdi}, Kubernetes {TargetVersions.Kubernetes}, "
                + $"IoT Edge {iotEdge} (aziot-identity-service {identity})");
        }
        else
        {
            OutputWriter.Write(Console.StdOut, format, document, [], []);
        }

        return Task.FromResult(ExitCodes.Success);
    }

    /// <summary>The assembly's version, and the commit the SDK's Source Link put after the '+' of the informational version.</summary>
    public static (string Version, string Commit) Current()
    {
        var informational = typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? (informational, "unknown") : (informational[..plus], informational[(plus + 1)..]);
    }
}
