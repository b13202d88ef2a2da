using System.CommandLine;
using System.Diagnostics;
using System.Text;
using KVEdge.Cli.Console;
using KVEdge.Core.Cluster;
using KVEdge.Core.Rendering;
using YamlDotNet.RepresentationModel;

namespace KVEdge.Cli.Commands;

/// <summary><c>kvedge ssh NAME</c>: prints the ssh command for the device's Service endpoint; --exec runs it.</summary>
internal static class SshCommand
{
    public static Command Create(ICliConsole console, ClusterClientFactory factory)
    {
        var cluster = new ClusterOptions(console, factory);
        var name = new Argument<string>("NAME") { Description = "The device." };
        var exec = new Option<bool>("--exec") { Description = "Run ssh instead of printing the command." };
        var identity = new Option<string?>("--identity", "-i") { Description = "Private key file passed to ssh -i." };
        var user = new Option<string?>("--user", "-l") { Description = "Login user (default: the spec's ssh.user, read from the device's cloud-init Secret)." };
        var command = new Command("ssh", "Print (or run, with --exec) the ssh command that reaches a device.") { name };
        command.AddOptions(cluster.All);
        command.AddOptions([exec, identity, user]);
        command.SetAction(result =>
        {
            var human = new HumanOutput(console);
            return cluster.Run(result, human, (client, ns) =>
            {
                var device = result.GetValue(name)!;
                var names = new ObjectNames(device);
                var service = client.GetAsync(ClusterResource.Service, ns, names.Service, CancellationToken.None).GetAwaiter().GetResult();
                if (service is null)
                {
                    human.Failure($"device {ns}/{device} has no Service {names.Service}; is it installed?");
                    return ExitCodes.Failure;
                }

                var nodes = service["spec"]?["type"]?.GetValue<string>() == "NodePort"
                    ? client.ListAsync(ClusterResource.Node, null, null, null, CancellationToken.None).GetAwaiter().GetResult().Items
                    : [];
                var target = SshEndpoint.Resolve(service, nodes);
                if (!target.Reachable)
                {
                    human.Failure($"{ns}/{device}: no SSH endpoint outside the cluster: {target.Note}");
                    return ExitCodes.Failure;
                }

                var login = result.GetValue(user) ?? LoginUser(client, ns, names) ?? "azureuser";
                List<string> args = ["-p", target.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)];
                if (result.GetValue(identity) is { } key)
                {
                    args.AddRange(["-i", key]);
                }

                args.Add($"{login}@{target.Host}");
                if (!result.GetValue(exec))
                {
                    console.StdOut.WriteLine("ssh " + string.Join(' ', args.Select(Quote)));
                    return ExitCodes.Success;
                }

                var start = new ProcessStartInfo("ssh") { UseShellExecute = false };
                args.ForEach(start.ArgumentList.Add);
                using var process = Process.Start(start) ?? throw new InvalidOperationException("ssh did not start");
                process.WaitForExit();
                return process.ExitCode;
            });
        });
        return command;
    }

    private static string Quote(string arg) => arg.All(c => char.IsAsciiLetterOrDigit(c) || "@._-/:=".Contains(c)) ? arg : $"'{arg.Replace("'", "'\\''", StringComparison.Ordinal)}'";

    // The spec's ssh.user is the first user of the device's cloud-config.
    private static string? LoginUser(IClusterClient client, string ns, ObjectNames names)
    {
        var secret = client.GetAsync(ClusterResource.Secret, ns, names.CloudInitSecret, CancellationToken.None).GetAwaiter().GetResult();
        if (secret?["data"]?["userdata"]?.GetValue<string>() is not { } encoded)
        {
            return null;
        }

        try
        {
            var yaml = new YamlStream();
            yaml.Load(new StringReader(Encoding.UTF8.GetString(Convert.FromBase64String(encoded))));
            var root = (YamlMappingNode)yaml.Documents[0].RootNode;
            return root.Children.TryGetValue(new YamlScalarNode("users"), out var users) && users is YamlSequenceNode { Children: [YamlMappingNode first, ..] }
                && first.Children.TryGetValue(new YamlScalarNode("name"), out var n) ? ((YamlScalarNode)n).Value : null;
        }
        catch (Exception ex) when (ex is FormatException or YamlDotNet.Core.YamlException or InvalidCastException)
        {
            return null;
        }
    }
}
