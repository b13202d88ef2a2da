using KVEdge.Cli.Console;
using KVEdge.Core.Actions;
using KVEdge.Core.Kube;
using KVEdge.Core.Rendering;

namespace KVEdge.Cli.Commands;

/// <summary>
/// Registration as a phase of install, upgrade and register: the devices with spec.iotEdge.registration registered (a
/// server dry run only reads), each change said on stderr, and the devices rendered again with their keys so that the
/// keys go into the credentials Secrets the apply writes. A device whose registration failed is not applied; one whose
/// registration waits (a TPM enrollment before its VM runs) is, with a warning.
/// </summary>
internal static class RegistrationPhase
{
    public static bool Applies(TemplateResult rendered) => rendered.Specs.Any(s => s.Value.Spec.IotEdge?.Registration is not null);

    public static async Task<(IReadOnlyList<RenderedDevice> Devices, IReadOnlyList<RegistrationOutcome> Failed, IReadOnlyList<RegistrationOutcome> All)> RunAsync(
        IClusterClient client, IotConnectorFactory iot, TemplateResult rendered, string defaultNamespace, RegisterOptions options, HumanOutput human, CancellationToken ct,
        bool sayFailures = true)
    {
        using var connector = iot();
        var outcomes = await new RegisterAction(client, connector).RegisterAsync([.. rendered.Specs.Select(s => s.Value)], defaultNamespace, options, ct).ConfigureAwait(false);
        foreach (var o in outcomes)
        {
            foreach (var change in o.Changes)
            {
                human.Line($"{o.Namespace}/{o.Name}: {change}");
            }

            // install and upgrade say a failure once, in their report of the device.
            if (o.Error is not null && sayFailures)
            {
                human.Failure($"{o.Namespace}/{o.Name}: registration: {o.Error}");
            }

            if (o.Pending is not null)
            {
                human.Warning($"{o.Namespace}/{o.Name}: registration: {o.Pending}");
            }
        }

        var failed = outcomes.Where(o => !o.Succeeded).ToList();
        var devices = RegisterAction.WithKeys(rendered, outcomes, defaultNamespace);
        var skipped = failed.Select(o => $"{o.Namespace}/{o.Name}").ToHashSet(StringComparer.Ordinal);
        return ([.. devices.Where(d => !skipped.Contains(d.Key))], failed, outcomes);
    }

    /// <summary>A device registration stopped, as install reports a device: not applied, with the reason (exit 5 for an identity conflict).</summary>
    public static DeviceOutcome AsDeviceOutcome(RegistrationOutcome o) =>
        new(o.Namespace, o.Name, [], [], false, $"registration: {o.Error}; nothing applied", Conflict: o.Conflict);
}
