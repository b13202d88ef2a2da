using KVEdge.Cli.Console;
using KVEdge.Core.Input;

namespace KVEdge.Cli.Commands;

/// <summary>Turns problems reading the command line's inputs into one clear line and exit code 2, never a stack trace.</summary>
internal static class InputErrors
{
    public static int? Guard(HumanOutput human, Action read)
    {
        try
        {
            read();
            return null;
        }
        catch (OverrideException ex)
        {
            human.Failure(ex.Message);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            human.Failure($"cannot read input: {ex.Message}");
        }

        return ExitCodes.InvalidInput;
    }
}
