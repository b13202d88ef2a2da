using System.CommandLine;
using KVEdge.Cli.Console;
using KVEdge.Core.Actions;

namespace KVEdge.Cli.Commands;

/// <summary>
/// <c>kvedge crd [-o yaml|json]</c>: the EdgeDevice CustomResourceDefinition on stdout, for <c>kubectl apply -f -</c> or a
/// GitOps tree (the operator's chart carries the same bytes).
/// </summary>
internal sealed class CrdCommand(ICliConsole console) : CliCommand(console)
{
    private readonly Option<string> _output = OutputWriter.Option("yaml or json.", OutputWriter.Yaml, OutputWriter.Json);

    public static Command Create(ICliConsole console) => new CrdCommand(console).Build();

    protected override Command Define() => new("crd", "Print the EdgeDevice CustomResourceDefinition (edgedevices.kvedge.io), for kubectl apply -f - or a GitOps tree.") { _output };

    protected override Task<int> ExecuteAsync(ParseResult result, HumanOutput human, CancellationToken ct)
    {
        Console.StdOut.Write(CrdAction.Render(json: result.GetValue(_output) == OutputWriter.Json));
        return Task.FromResult(ExitCodes.Success);
    }
}
