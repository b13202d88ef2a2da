using System.CommandLine;
using KVEdge.Cli.Console;
using KVEdge.Core.Actions;
using KVEdge.Core.Input;
using KVEdge.Core.Output;

namespace KVEdge.Cli.Commands;

/// <summary><c>kvedge template</c>: render devices to Kubernetes objects, like <c>helm template</c>.</summary>
internal static class TemplateCommand
{
    public static Command Create(ICliConsole console)
    {
        var input = SpecInput.Create();
        var output = new Option<string>("--output", "-o") { Description = "Output format on stdout: yaml or json (one v1 List).", DefaultValueFactory = _ => "yaml" };
        output.AcceptOnlyFromAmong("yaml", "json");
        var outputDir = new Option<string?>("--output-dir") { Description = "Write one folder per device (NAMESPACE/NAME/) with a kustomization.yaml, ready for GitOps, instead of printing." };

        var command = new Command("template", "Render EdgeDevice specs to Kubernetes, KubeVirt and CDI objects.");
        command.AddOptions(input.Options);

        command.Options.Add(output);
        command.Options.Add(outputDir);
        command.SetAction(result =>
        {
            var human = new HumanOutput(console);
            if (result.GetResult(output) is { Implicit: false } && result.GetValue(outputDir) is not null)
            {
                human.Failure("--output and --output-dir cannot be used together");
                return ExitCodes.InvalidInput;
            }

            IReadOnlyList<InputFile> files = [];
            IReadOnlyList<ValueOverride> overrides = [];
            if (InputErrors.Guard(human, () => { overrides = input.Overrides(result); files = input.Files(result, console.StdIn); }) is { } code)
            {
                return code;
            }

            var rendered = TemplateAction.Run(files, overrides, input.Namespace(result), console.GetEnvironmentVariable);
            human.Diagnostics(rendered.Diagnostics.Items);
            if (rendered.Diagnostics.HasErrors)
            {
                human.Failure($"{rendered.Diagnostics.ErrorCount} error(s); nothing rendered");
                return ExitCodes.InvalidInput;
            }

            var objects = rendered.Devices.SelectMany(d => d.Objects).ToList();
            if (result.GetValue(outputDir) is { } dir)
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
                foreach (var secret in rendered.Devices.SelectMany(d => d.Objects).Where(o => o.Kind == "Secret" && o.Metadata.Labels?.TryGetValue(KVEdge.Core.Rendering.StandardLabels.Role, out var role) == true && role == KVEdge.Core.Rendering.Roles.Credentials))
                {
                    human.Warning($"{dir}: {secret.Metadata.NamespaceProperty}/{secret.Metadata.Name} holds the device's credentials in plain base64; a Git repository is no place for it. "
                        + "The GitOps way: create that Secret in the cluster yourself and name it in spec.iotEdge.credentials.existingSecret.");
                }

                return ExitCodes.Success;
            }

            if (result.GetValue(output) == "json")
            {
                console.StdOut.Write(ManifestSerializer.ToJsonList(objects));
            }
            else
            {
                ManifestSerializer.WriteYaml(console.StdOut, objects);
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
