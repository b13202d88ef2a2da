using System.CommandLine;
using KVEdge.Cli.Commands;
using KVEdge.Cli.Console;

namespace KVEdge.Cli;

/// <summary>The command tree; <see cref="Program"/> only wires the real console to it, tests wire a fake one.</summary>
public static partial class CliApp
{
    public static RootCommand Build(ICliConsole console, ClusterClientFactory? clusterFactory = null, IotConnectorFactory? iotFactory = null)
    {
        var cluster = clusterFactory ?? (config => new Core.Kube.KubernetesClusterClient(config));
        var iot = iotFactory ?? (() => new Core.IotHub.IotServiceConnector());
        var root = new RootCommand("kvedge: Azure IoT Edge devices as KubeVirt virtual machines, one declarative spec per device.")
        {
            TemplateCommand.Create(console),
            ValidateCommand.Create(console),
            ConfigTomlCommand.Create(console),
            EdgeHubManifestCommand.Create(console),
            DpsCommand.Create(console),
            ImageCommand.Create(console),
            InstallCommand.Create(console, cluster, iot, upgrade: false),
            InstallCommand.Create(console, cluster, iot, upgrade: true),
            RegisterCommand.Create(console, cluster, iot),
            StatusCommand.Create(console, cluster),
            UninstallCommand.Create(console, cluster, iot),
            PreflightCommand.Create(console, cluster),
            SshCommand.Create(console, cluster),
            ExecCommand.Create(console, cluster),
            HealthCommand.Create(console, cluster),
            TpmCommand.Create(console, cluster),
            LogsCommand.Create(console, cluster),
            SupportBundleCommand.Create(console, cluster),
            PortForwardCommand.Create(console, cluster),
            RestartCommand.Create(console, cluster),
            RolloutCommand.Create(console, cluster),
            CrdCommand.Create(console),
            OperatorCommand.Create(console, cluster),
            VersionCommand.Create(console),
            CompletionCommand.Create(console),
        };
        return root;
    }

    public static int Run(string[] args, ICliConsole console, ClusterClientFactory? clusterFactory = null, IotConnectorFactory? iotFactory = null) =>
        RunAsync(args, console, clusterFactory, iotFactory).GetAwaiter().GetResult();

    public static async Task<int> RunAsync(string[] args, ICliConsole console, ClusterClientFactory? clusterFactory = null, IotConnectorFactory? iotFactory = null)
    {
        var root = Build(console, clusterFactory, iotFactory);
        var parsed = root.Parse(args);
        // An unknown flag where an optional NAME may stand would be taken for the name (status --namspace=x); no
        // Kubernetes name starts with '-', so it is the typo kubectl calls "unknown flag".
        // exec's COMMAND is the guest's argv (after --), flags and all.
        var flagAsName = parsed.CommandResult.Children.OfType<System.CommandLine.Parsing.ArgumentResult>()
            .Where(a => a.Argument.Name != ExecCommand.CommandArgument)
            .SelectMany(a => a.Tokens).FirstOrDefault(t => t.Value.Length > 1 && t.Value.StartsWith('-'));
        IEnumerable<string> problems = flagAsName is not null
            ? [$"unknown flag: {Core.Diagnostics.DisplayText.Quote(flagAsName.Value.Split('=')[0])}{DidYouMean(parsed, flagAsName.Value)}"]
            : parsed.Errors.Select(e => Plain(e.Message) + DidYouMean(parsed, e.Message));
        if ((flagAsName is not null || parsed.Errors.Count > 0) && parsed.Action is not System.CommandLine.Help.HelpAction)
        {
            var human = new HumanOutput(console);
            foreach (var problem in problems)
            {
                human.Failure(problem);
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

    /// <summary>
    /// " (did you mean 'status'?)" for an unknown subcommand or option, from the names the command in scope has (as
    /// kubectl and cobra suggest): options for a token starting with '-', subcommands otherwise.
    /// </summary>
    private static string DidYouMean(ParseResult parsed, string messageOrToken)
    {
        var token = parsed.UnmatchedTokens.FirstOrDefault(t => messageOrToken.Contains($"'{t}'", StringComparison.Ordinal))
            ?? (messageOrToken.StartsWith('-') ? messageOrToken : null);
        if (token is null)
        {
            return "";
        }

        var command = parsed.CommandResult.Command;
        IEnumerable<string> candidates = token.StartsWith('-')
            ? command.Options.Concat(command.Parents.OfType<Command>().SelectMany(p => p.Options.Where(o => o.Recursive)))
                .SelectMany(o => o.Aliases.Prepend(o.Name)).Where(n => n.StartsWith("--", StringComparison.Ordinal) == token.StartsWith("--", StringComparison.Ordinal))
            : command.Subcommands.Select(c => c.Name);
        return Core.Diagnostics.Suggestions.DidYouMean(token.Split('=')[0], candidates);
    }

    // System.CommandLine names the .NET type a value failed to parse as ("System.Nullable`1[System.Int32]"); the user
    // wants the flag, the value (escaped and bounded) and what it should have been.
    private static string Plain(string message)
    {
        var m = ParseFailure().Match(message);
        if (!m.Success)
        {
            return message;
        }

        var type = m.Groups["type"].Value;
        var wanted = type.Contains("Int32", StringComparison.Ordinal) || type.Contains("Int64", StringComparison.Ordinal) ? "a whole number"
            : type.Contains("Boolean", StringComparison.Ordinal) ? "true or false"
            : type.Contains("TimeSpan", StringComparison.Ordinal) ? "a duration"
            : type.Contains("Double", StringComparison.Ordinal) ? "a number"
            : "a valid value";
        return $"{m.Groups["name"].Value}: {Core.Diagnostics.DisplayText.Quote(m.Groups["value"].Value)} is not {wanted}";
    }

    [System.Text.RegularExpressions.GeneratedRegex("Cannot parse argument '(?<value>.*)' for (option|command|argument) '(?<name>[^']*)' as expected type '(?<type>[^']*)'", System.Text.RegularExpressions.RegexOptions.Singleline)]
    private static partial System.Text.RegularExpressions.Regex ParseFailure();
}
