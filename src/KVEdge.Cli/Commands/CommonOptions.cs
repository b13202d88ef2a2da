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
        Description = "EdgeDevice spec file, directory of *.yaml, or - for stdin; a multi-document file is a fleet (a leading ~/ is your home folder). Repeatable.",
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
        Description = "Set a spec value from a file's content: path=FILE (a leading ~/ is your home folder). Repeatable.",
        Arity = ArgumentArity.ZeroOrMore,
    };

    public static Option<string> Namespace() => new Option<string>("--namespace", "-n")
    {
        Description = "Namespace for devices whose metadata has none.",
        DefaultValueFactory = _ => "default",
    }.ValidatedAsNamespace();

    /// <summary>--concurrency for the fleet commands: how many devices at once, 1 to 256, refused at parse time.</summary>
    /// <summary>--force-identity: register over an identity or enrollment of another authentication type.</summary>
    public static Option<bool> ForceIdentity() => new("--force-identity")
    {
        Description = "Replace an existing IoT Hub identity or DPS enrollment of another authentication type (what uses its present credentials stops connecting).",
    };

    public static Option<int> Concurrency(string description)
    {
        var option = new Option<int>("--concurrency") { Description = description, DefaultValueFactory = _ => KVEdge.Core.Actions.InstallOptions.DefaultConcurrency };
        option.Validators.Add(result =>
        {
            // A value that is not a number is System.CommandLine's own parse error; reading it here would throw.
            if (result.Tokens.Count > 0
                && int.TryParse(result.Tokens[^1].Value, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var n)
                && n is < 1 or > 256)
            {
                result.AddError($"--concurrency {n}: must be between 1 and 256");
            }
        });
        return option;
    }

    /// <summary>
    /// A namespace is an RFC 1123 label, as the API server requires (apimachinery validation.IsDNS1123Label): it goes
    /// into request URLs and --output-dir paths, so "../x" or "/abs" must never get that far.
    /// </summary>
    public static Option<T> ValidatedAsNamespace<T>(this Option<T> option)
    {
        option.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
            {
                if (KVEdge.Core.Validation.KubernetesNames.CheckDns1123Label(token.Value) is not null)
                {
                    result.AddError($"-n/--namespace {KVEdge.Core.Diagnostics.DisplayText.Quote(token.Value)}: not a namespace name: "
                        + "it must be a lowercase RFC 1123 label (a-z, 0-9 and '-', starting and ending with a letter or digit, at most 63 characters) [rule: namespace]");
                }
            }
        });
        return option;
    }

    /// <summary>
    /// A NAME argument names a Kubernetes object (the device's VirtualMachine) and goes into request paths: it is held
    /// to the object-name rule (an RFC 1123 subdomain) before anything is sent, as -n is, so `restart '../../x'` cannot
    /// address a path outside virtualmachines/.
    /// </summary>
    public static Argument<T> ValidatedAsDeviceName<T>(this Argument<T> argument)
    {
        argument.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
            {
                if (KVEdge.Core.Validation.KubernetesNames.CheckDns1123Subdomain(token.Value) is { } reason)
                {
                    result.AddError($"{argument.Name} {KVEdge.Core.Diagnostics.DisplayText.Quote(token.Value)}: not a device name: {reason} [rule: name]");
                }
            }
        });
        return argument;
    }
}
