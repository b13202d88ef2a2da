using System.CommandLine;
using KVEdge.Cli.Console;
using KVEdge.Core.Actions;
using KVEdge.Core.Spec;

namespace KVEdge.Cli.Commands;

/// <summary>For commands about one device: loads and validates the inputs, then picks the device (--device when there are several).</summary>
internal sealed class DeviceSelection(SpecInput input, Option<string?> device)
{
    public static DeviceSelection Create()
    {
        var input = SpecInput.Create();
        var device = new Option<string?>("--device", "-d") { Description = "The device (NAME or NAMESPACE/NAME) when the input holds several." };
        // Completion offers the devices the -f files already on the line name (read only; nothing is validated or shown).
        device.CompletionSources.Add(context => input.DeviceNames(context.ParseResult).Select(n => new System.CommandLine.Completions.CompletionItem(n)));
        return new(input, device);
    }

    public IEnumerable<Option> Options => input.Options.Append(device);

    /// <summary>As <see cref="Select"/>, for commands that only make sense for a device with spec.iotEdge.</summary>
    public (EdgeDevice? Device, string Namespace, int? ExitCode) SelectIotEdge(ParseResult result, ICliConsole console, HumanOutput human)
    {
        var (device, ns, code) = Select(result, console, human);
        if (device is not null && device.Spec.IotEdge is null)
        {
            human.Failure($"{ns}/{device.Metadata.Name} has no spec.iotEdge");
            return (null, ns, ExitCodes.InvalidInput);
        }

        return (device, ns, code);
    }

    /// <summary>The one selected, valid device; or an exit code after telling the user why not.</summary>
    public (EdgeDevice? Device, string Namespace, int? ExitCode) Select(ParseResult result, ICliConsole console, HumanOutput human)
    {
        // Unreadable input throws CliInputException, which the command's base turns into exit code 2.
        var (files, overrides) = CliCommand.ReadInput(() => input.Read(result, console.StdIn));
        var ns = input.Namespace(result);
        var checkedDevices = TemplateAction.Run(files, overrides, ns, console.GetEnvironmentVariable);
        if (CliCommand.Rejected(human, checkedDevices.Diagnostics, "") is { } code)
        {
            return (null, ns, code);
        }

        var all = checkedDevices.Specs.Select(s => s.Value).ToList();
        string Key(EdgeDevice d) => $"{d.Metadata.Namespace ?? ns}/{d.Metadata.Name}";
        var wanted = result.GetValue(device);
        var matches = wanted is null ? all : all.Where(d => d.Metadata.Name == wanted || Key(d) == wanted).ToList();
        if (matches.Count == 1)
        {
            return (matches[0], matches[0].Metadata.Namespace ?? ns, null);
        }

        human.Failure(wanted is null
            ? $"the input holds {all.Count} devices; choose one with --device ({string.Join(", ", all.Select(Key))})"
            : $"no single device '{wanted}' in the input ({string.Join(", ", all.Select(Key))})");
        return (null, ns, ExitCodes.InvalidInput);
    }
}
