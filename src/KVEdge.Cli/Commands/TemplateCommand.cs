using System.CommandLine;
using KVEdge.Cli.Console;
using KVEdge.Core.Actions;
using KVEdge.Core.Output;

using KVEdge.Core.Spec;

namespace KVEdge.Cli.Commands;

/// <summary><c>kvedge template</c>: render devices to Kubernetes objects, like <c>helm template</c>.</summary>
internal sealed class TemplateCommand(ICliConsole console) : CliCommand(console)
{
    private readonly SpecInput _input = SpecInput.Create();
    private readonly Option<string> _output = OutputWriter.Option("Output format on stdout: yaml or json (one v1 List).", OutputWriter.Yaml, OutputWriter.Json);
    private readonly Option<string?> _outputDir = new("--output-dir") { Description = "Write one folder per device (NAMESPACE/NAME/) with a kustomization.yaml, ready for GitOps, instead of printing." };

    public static Command Create(ICliConsole console) => new TemplateCommand(console).Build();

    protected override Command Define()
    {
        var command = new Command("template", "Render EdgeDevice specs to Kubernetes, KubeVirt and CDI objects.");
        command.AddOptions(_input.Options);
        command.AddOptions([_output, _outputDir]);
        return command;
    }

    protected override Task<int> ExecuteAsync(ParseResult result, HumanOutput human, CancellationToken ct) => Task.FromResult(Execute(result, human));

    private int Execute(ParseResult result, HumanOutput human)
    {
        if (result.GetResult(_output) is { Implicit: false } && result.GetValue(_outputDir) is not null)
        {
            human.Failure("--output and --output-dir cannot be used together");
            return ExitCodes.InvalidInput;
        }

        var (files, overrides) = ReadInput(() => _input.Read(result, Console.StdIn));
        var rendered = TemplateAction.Run(files, overrides, _input.Namespace(result), Console.GetEnvironmentVariable);
        if (Rejected(human, rendered.Diagnostics, "nothing rendered") is { } code)
        {
            return code;
        }

        // A key the service generates at registration is not known here: what is rendered carries none for that device.
        foreach (var spec in rendered.Specs.Select(s => s.Value).Where(d => d.Spec.IotEdge is { } iot
            && ProvisioningModes.RegistrationSuppliesKey(iot) && iot.Credentials.ExistingSecret is null && iot.Credentials.SymmetricKey is null))
        {
            human.Warning($"{spec.Metadata.Name}: spec.iotEdge.registration makes the device's key when it is registered, so what is rendered here carries none: "
                + "kvedge install or the operator registers and renders it with the key; for GitOps, name an existingSecret that kvedge register fills");
        }

        var objects = rendered.Devices.SelectMany(d => d.Objects).ToList();
        if (result.GetValue(_outputDir) is { } dir)
        {
            try
            {
                KustomizeLayout.Write(dir, rendered.Devices);
            }
            catch (OutputTreeException ex)
            {
                human.Failure(ex.Message);
                return ExitCodes.InvalidInput;
            }

            human.Line($"wrote {rendered.Devices.Count} device(s), {objects.Count} object(s) to {dir}");
            foreach (var secret in objects.Where(o => o.Kind == "Secret" && o.Metadata.Labels?.TryGetValue(StandardLabels.Role, out var role) == true && role == Roles.Credentials))
            {
                human.Warning($"{dir}: {secret.Metadata.NamespaceProperty}/{secret.Metadata.Name} holds the device's credentials in plain base64; a Git repository is no place for it. "
                    + "The GitOps way: create that Secret in the cluster yourself and name it in spec.iotEdge.credentials.existingSecret.");
            }

            return ExitCodes.Success;
        }

        if (result.GetValue(_output) == OutputWriter.Json)
        {
            Console.StdOut.Write(ManifestSerializer.ToJsonList(objects));
        }
        else
        {
            ManifestSerializer.WriteYaml(Console.StdOut, objects);
        }

        return ExitCodes.Success;
    }
}
