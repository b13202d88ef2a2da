using System.CommandLine;
using KVEdge.Cli.Console;
using KVEdge.Core.Diagnostics;
using KVEdge.Core.Input;
using KVEdge.Core.Kube;

namespace KVEdge.Cli.Commands;

/// <summary>
/// The base of every command (as the Aspire CLI's BaseCommand): one async entry with the process's cancellation token
/// (Ctrl-C, SIGTERM), and one place that turns what can go wrong into a line for a person and its exit code
/// (<see cref="ExitCodes"/>): unreadable input and bad --set expressions 2, no cluster 3, an API error 1, Ctrl-C 130.
/// A subclass declares its options in <see cref="Define"/> and does its work in <see cref="ExecuteAsync"/>.
/// </summary>
internal abstract class CliCommand(ICliConsole console)
{
    protected ICliConsole Console => console;

    /// <summary>The System.CommandLine command, its action bound to <see cref="ExecuteAsync"/>.</summary>
    public Command Build()
    {
        var command = Define();
        command.SetAction(InvokeAsync);
        return command;
    }

    protected abstract Command Define();

    protected abstract Task<int> ExecuteAsync(ParseResult result, HumanOutput human, CancellationToken ct);

    private async Task<int> InvokeAsync(ParseResult result, CancellationToken ct)
    {
        var human = new HumanOutput(console);
        try
        {
            return await ExecuteAsync(result, human, ct).ConfigureAwait(false);
        }
        catch (CliInputException ex)
        {
            human.Failure(ex.Message);
            return ExitCodes.InvalidInput;
        }
        catch (Core.Files.OutputFileException ex)
        {
            human.Failure(ex.Message);
            return ExitCodes.InvalidInput;
        }
        catch (CliFailureException ex)
        {
            human.Failure(ex.Message);
            return ExitCodes.Failure;
        }
        catch (ClusterUnavailableException ex)
        {
            human.Failure(ex.Message);
            return ExitCodes.ClusterUnavailable;
        }
        catch (ClusterApiException ex)
        {
            human.Failure(ex.Causes.Count > 0 ? $"{ex.Message} [{string.Join("; ", ex.Causes)}]" : ex.Message);
            return ExitCodes.Failure;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            human.Failure("interrupted");
            return ExitCodes.Interrupted;
        }
    }

    /// <summary>
    /// Reads the command line's inputs (files, stdin, --set, --set-file); what cannot be read or parsed ends the command
    /// with one clear line and exit code 2, never a stack trace.
    /// </summary>
    internal static T ReadInput<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (OverrideException ex)
        {
            throw new CliInputException(ex.Message);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliInputException($"cannot read input: {ex.Message}");
        }
    }

    /// <summary>
    /// Prints the diagnostics; when any is an error, also "N error(s); <paramref name="consequence"/>" and returns exit
    /// code 2, else null (go on).
    /// </summary>
    internal static int? Rejected(HumanOutput human, DiagnosticBag diagnostics, string consequence)
    {
        human.Diagnostics(diagnostics.Items);
        if (!diagnostics.HasErrors)
        {
            return null;
        }

        human.Failure($"{diagnostics.ErrorCount} error(s){(consequence.Length == 0 ? "" : "; " + consequence)}");
        return ExitCodes.InvalidInput;
    }
}
