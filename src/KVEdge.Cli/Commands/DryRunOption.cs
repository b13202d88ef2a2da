using System.CommandLine;
using KVEdge.Core.Actions;

namespace KVEdge.Cli.Commands;

/// <summary>
/// <c>--dry-run[=none|client|server]</c> as kubectl and helm read it: a bare <c>--dry-run</c> is <c>client</c>
/// (kubectl's cmdutil.GetDryRunStrategy: "--dry-run" with no value is the deprecated boolean true, i.e. client),
/// never <c>none</c>: a flag that says "dry run" must never write.
/// </summary>
internal static class DryRunOption
{
    public static Option<string> Create(string what) => new Option<string>("--dry-run")
    {
        Description = $"none, client (the default for a bare --dry-run: {what}) or server (the API server checks every request and stores nothing).",
        Arity = ArgumentArity.ZeroOrOne,
    }.AcceptingOnly("none", "client", "server");

    public static DryRunMode Mode(ParseResult result, Option<string> option) =>
        result.GetResult(option) switch
        {
            null or { Implicit: true } => DryRunMode.None,
            { Tokens.Count: 0 } => DryRunMode.Client,
            _ => result.GetValue(option) switch
            {
                "client" => DryRunMode.Client,
                "server" => DryRunMode.Server,
                _ => DryRunMode.None,
            },
        };

    private static Option<string> AcceptingOnly(this Option<string> option, params string[] values)
    {
        option.AcceptOnlyFromAmong(values);
        return option;
    }
}
