using System.CommandLine;
using KVEdge.Cli.Console;

namespace KVEdge.Cli.Commands;

/// <summary>
/// <c>kvedge completion bash|zsh|fish|powershell</c>, as kubectl has it: a script for the shell to load
/// (<c>source &lt;(kvedge completion bash)</c>). Each asks kvedge itself for the completions of the line being typed,
/// through System.CommandLine's <c>[suggest:POSITION]</c> directive, so subcommands, options, their values and device
/// names always match the binary that answers.
/// </summary>
internal sealed class CompletionCommand(ICliConsole console) : CliCommand(console)
{
    public static readonly string[] Shells = ["bash", "zsh", "fish", "powershell"];

    private readonly Argument<string> _shell = ShellArgument();

    public static Command Create(ICliConsole console) => new CompletionCommand(console).Build();

    private static Argument<string> ShellArgument()
    {
        var shell = new Argument<string>("SHELL") { Description = "bash, zsh, fish or powershell." };
        shell.AcceptOnlyFromAmong(Shells);
        return shell;
    }

    protected override Command Define() => new("completion", "Print a shell completion script (bash, zsh, fish, powershell); e.g. source <(kvedge completion bash).") { _shell };

    protected override Task<int> ExecuteAsync(ParseResult result, HumanOutput human, CancellationToken ct)
    {
        Console.StdOut.Write(Script(result.GetValue(_shell)!));
        return Task.FromResult(ExitCodes.Success);
    }

    public static string Script(string shell) => shell switch
    {
        "bash" => """
            # kvedge completion for bash. Load it with: source <(kvedge completion bash)
            _kvedge_completions() {
                local IFS=$'\n'
                local words
                words=$("${COMP_WORDS[0]}" "[suggest:${COMP_POINT}]" "${COMP_LINE}" 2>/dev/null)
                mapfile -t COMPREPLY < <(compgen -W "${words}" -- "${COMP_WORDS[COMP_CWORD]}")
            }
            complete -o default -F _kvedge_completions kvedge

            """,
        "zsh" => """
            #compdef kvedge
            # kvedge completion for zsh. Load it with: source <(kvedge completion zsh)
            _kvedge() {
                local -a words
                words=("${(@f)$(kvedge "[suggest:${CURSOR}]" "${BUFFER}" 2>/dev/null)}")
                compadd -- "${words[@]}"
            }
            compdef _kvedge kvedge

            """,
        "fish" => """
            # kvedge completion for fish. Load it with: kvedge completion fish | source
            complete -c kvedge -f -a '(set -l line (commandline -cp); kvedge "[suggest:"(string length -- "$line")"]" "$line" 2>/dev/null)'

            """,
        _ => """
            # kvedge completion for PowerShell. Load it with: kvedge completion powershell | Out-String | Invoke-Expression
            Register-ArgumentCompleter -Native -CommandName kvedge -ScriptBlock {
                param($wordToComplete, $commandAst, $cursorPosition)
                kvedge "[suggest:$cursorPosition]" "$commandAst" 2>$null | ForEach-Object {
                    [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)
                }
            }

            """,
    };
}
