using System.CommandLine;

namespace KVEdge.Cli.Commands;

/// <summary>Options shared by the commands that read EdgeDevice specs, named as kubectl and helm name them.</summary>
public static class CommonOptions
{
    public static void AddOptions(this Command command, IEnumerable<Option> options)
    {
        foreach (var o in options)
        {
            command.Options.Add(o);
        }
    }

    public static Option<string[]> Files() => new("--filename", "-f")
    {
        Description = "EdgeDevice spec file, directory of *.yaml, or - for stdin; a multi-document file is a fleet. Repeatable.",
        Required = true,
        Arity = ArgumentArity.OneOrMore,
        AllowMultipleArgumentsPerToken = false,
    };

    public static Option<string[]> Set() => new("--set")
    {
        Description = "Set a spec value, helm-style: path=value[,path=value] (e.g. spec.cpu.cores=4). Applies to every device. Repeatable.",
        Arity = ArgumentArity.ZeroOrMore,
    };

    public static Option<string[]> SetFile() => new("--set-file")
    {
        Description = "Set a spec value from a file's content: path=FILE. Repeatable.",
        Arity = ArgumentArity.ZeroOrMore,
    };

    public static Option<string> Namespace() => new("--namespace", "-n")
    {
        Description = "Namespace for devices whose metadata has none.",
        DefaultValueFactory = _ => "default",
    };
}
