using System.CommandLine;
using KVEdge.Cli.Commands;
using KVEdge.Cli.Console;

namespace KVEdge.Cli;

/// <summary>The command tree; <see cref="Program"/> only wires the real console to it, tests wire a fake one.</summary>
public static class CliApp
{
    public static RootCommand Build(ICliConsole console, ClusterClientFactory? clusterFactory = null)
    {
        var cluster = clusterFactory ?? (config => new Core.Kube.KubernetesClusterClient(config));
        var root = new RootCommand("kvedge: Azure IoT Edge devices as KubeVirt virtual machines, one declarative spec per device.")
        {
            TemplateCommand.Create(console),
            ValidateCommand.Create(console),
            ConfigTomlCommand.Create(console),
            EdgeHubManifestCommand.Create(console),
            DpsCommand.Create(console),
            ImageCommand.Create(console),
            InstallCommand.Create(console, cluster, upgrade: false),
            InstallCommand.Create(console, cluster, upgrade: true),
            StatusCommand.Create(console, cluster),
            UninstallCommand.Create(console, cluster),
            PreflightCommand.Create(console, cluster),
            SshCommand.Create(console, cluster),
            RestartCommand.Create(console, cluster),
        };
        return root;
    }

    public static int Run(string[] args, ICliConsole console, ClusterClientFactory? clusterFactory = null) =>
        RunAsync(args, console, clusterFactory).GetAwaiter().GetResult();

    public static async Task<int> RunAsync(string[] args, ICliConsole console, ClusterClientFactory? clusterFactory = null)
    {
        var root = Build(console, clusterFactory);
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0 && parsed.Action is not System.CommandLine.Help.HelpAction)
        {
            var human = new HumanOutput(console);
            foreach (var error in parsed.Errors)
            {
                human.Failure(error.Message);
            }

            human.Line("Run 'kvedge --help' for usage.");
            return ExitCodes.InvalidInput;
        }

        try
        {
            // Ctrl-C (SIGINT) and SIGTERM cancel the command's token; a cluster command then reports what it applied
            // and exits 130 itself, so it is given time to say so before System.CommandLine gives up on it.
            return await parsed.InvokeAsync(new InvocationConfiguration
            {
                Output = console.StdOut,
                Error = console.StdErr,
                EnableDefaultExceptionHandler = false,
                ProcessTerminationTimeout = TimeSpan.FromSeconds(30),
            }).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Last resort: one line, no stack trace (it could carry values from the input).
            var human = new HumanOutput(console);
            human.Failure($"internal error: {ex.GetType().Name}");
            if (Environment.GetEnvironmentVariable("KVEDGE_DEBUG") == "1")
            {
                human.Line(ex.ToString());
            }

            return ExitCodes.Failure;
        }
    }
}
