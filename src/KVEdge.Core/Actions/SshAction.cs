using System.Globalization;
using System.Text.Json.Nodes;
using KVEdge.Core.Kube;
using KVEdge.Core.Rendering;
using KVEdge.Core.Spec;

namespace KVEdge.Core.Actions;

/// <summary>
/// `kvedge ssh NAME` and the verbs that run a command in the guest: the ssh command line that reaches the device, and as
/// whom (--user, else the VM's kvedge.io/ssh-user annotation, the spec's ssh.user put there by the renderer, else the
/// spec's default user).
/// Through the API server (the default), OpenSSH's ProxyCommand is kvedge's own stdio forwarder over KubeVirt's VMI
/// portforward subresource and the host is named vmi/NAME.NAMESPACE, as `virtctl ssh --local-ssh` does
/// (kubevirt/kubevirt pkg/virtctl/ssh/native.go and local.go), so its host keys are the ones virtctl recorded. Through
/// the Service, the address from outside the cluster (a node address for a NodePort, the load balancer's).
/// </summary>
public sealed class SshAction(IClusterClient cluster)
{
    public const int GuestSshPort = 22;

    public async Task<SshResult> RunAsync(SshOptions options, CancellationToken ct)
    {
        var names = new ObjectNames(options.Device);
        var (destination, port, target, failure) = options.Route == SshRoute.Api
            ? await ThroughApiAsync(options, ct).ConfigureAwait(false)
            : await ThroughServiceAsync(options, names, ct).ConfigureAwait(false);
        if (failure is not null)
        {
            return new SshResult([], null, null, failure);
        }

        var user = options.User ?? await AnnotatedUserAsync(options, names, ct).ConfigureAwait(false) ?? new SshSpec().User;
        List<string> args = [];
        if (port is { } p)
        {
            args.AddRange(["-p", p.ToString(CultureInfo.InvariantCulture)]);
        }

        if (options.Route == SshRoute.Api)
        {
            // OpenSSH expands %-tokens in ProxyCommand (ssh_config(5), TOKENS): a literal % is written %%.
            args.AddRange(["-o", "ProxyCommand=" + options.ProxyCommand!.Replace("%", "%%", StringComparison.Ordinal)]);
        }

        if (options.Identity is { } identity)
        {
            args.AddRange(["-i", identity]);
        }

        if (options.KnownHostsFile is { } knownHosts)
        {
            args.AddRange(["-o", "UserKnownHostsFile=" + knownHosts]);
        }

        // A device's host key is taken the first time it is seen, and a changed one refused: through the API server
        // the path to the guest is the API server's, authenticated and TLS-checked, to that VMI (a first-use prompt there
        // would only stop scripts); through a Service, only when no person is there to answer the prompt.
        if (options.Route == SshRoute.Api || options.NonInteractive)
        {
            args.AddRange(["-o", "StrictHostKeyChecking=accept-new"]);
        }

        if (options.NonInteractive)
        {
            args.AddRange(["-o", "BatchMode=yes"]);
        }

        foreach (var extra in options.ExtraOptions)
        {
            args.AddRange(["-o", extra]);
        }

        if (options.Tty)
        {
            args.Add("-t");
        }

        if (!options.Stdin)
        {
            args.Add("-n");
        }

        // "--" ends ssh's options: OpenSSH reads options after the destination too, so a command word starting with '-'
        // would otherwise be taken for one.
        args.AddRange(["--", $"{user}@{destination}"]);
        if (options.RemoteCommand is { } command)
        {
            args.Add(command);
        }

        return new SshResult(args, user, target, null);
    }

    private async Task<(string Destination, int? Port, SshTarget? Target, ActionFailure? Failure)> ThroughApiAsync(SshOptions options, CancellationToken ct)
    {
        if (options.ProxyCommand is null)
        {
            throw new ArgumentException("the API route needs a ProxyCommand", nameof(options));
        }

        if (await RunningInstance.CheckAsync(cluster, options.Namespace, options.Device, ct).ConfigureAwait(false) is { } failure)
        {
            return (null!, null, null, failure);
        }

        return ($"vmi/{options.Device}.{options.Namespace}", null, new SshTarget($"vmi/{options.Device}.{options.Namespace}", GuestSshPort, "API server"), null);
    }

    private async Task<(string Destination, int? Port, SshTarget? Target, ActionFailure? Failure)> ThroughServiceAsync(SshOptions options, ObjectNames names, CancellationToken ct)
    {
        var service = await cluster.GetAsync(ClusterResource.Service, options.Namespace, names.Service, ct).ConfigureAwait(false);
        if (service is null)
        {
            return (null!, null, null, new ActionFailure(FailureKind.NotFound,
                $"device {options.Namespace}/{options.Device} has no Service {names.Service}; is it installed, with spec.expose.type other than None? (without --via service, kvedge reaches it through the API server)"));
        }

        var addresses = service["spec"]?["type"]?.GetValue<string>() == ExposeTypes.NodePort
            ? await NodeAddresses.ReadAsync(cluster, options.Namespace, StandardLabels.DeviceSelector(options.Device), ct).ConfigureAwait(false)
            : NodeAddresses.None;
        var vmi = addresses.Nodes is null ? await cluster.GetAsync(ClusterResource.VirtualMachineInstance, options.Namespace, names.VirtualMachine, ct).ConfigureAwait(false) : null;
        var target = SshEndpoint.Resolve(service, addresses, vmi);
        if (!target.Reachable)
        {
            return (null!, null, null, new ActionFailure(FailureKind.Failed, $"{options.Namespace}/{options.Device}: no SSH endpoint outside the cluster: {target.Note}"));
        }

        return await ReadyEndpointsAsync(options, names.Service, ct).ConfigureAwait(false) is { } noEndpoint
            ? (null!, null, null, noEndpoint)
            : (target.Host!, target.Port, target, null);
    }

    // A Service sends connections only to ready endpoints: the virt-launcher pod is ready only while the VM's
    // readinessProbe (the guest's health program) passes (EndpointSlice conditions.ready;
    // kubernetes.io/docs/concepts/services-networking/endpoint-slices). Said before ssh waits on a port that takes
    // connections nowhere. A user who may not list EndpointSlices is let through, as before.
    private async Task<ActionFailure?> ReadyEndpointsAsync(SshOptions options, string service, CancellationToken ct)
    {
        IReadOnlyList<JsonObject> slices;
        try
        {
            slices = (await cluster.ListAsync(ClusterResource.EndpointSlice, options.Namespace, $"kubernetes.io/service-name={service}", null, ct).ConfigureAwait(false)).Items;
        }
        catch (ClusterApiException ex) when (ex.Status is System.Net.HttpStatusCode.Forbidden or System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }

        var endpoints = slices.SelectMany(s => s["endpoints"]?.AsArray() ?? []).ToList();
        if (slices.Count == 0 || endpoints.Any(e => e?["conditions"]?["ready"]?.GetValue<bool>() != false))
        {
            return null;
        }

        var apiRoute = $"the API server's route does not need the Service: kvedge ssh {options.Device} -n {options.Namespace} (without --via service)";
        return new ActionFailure(FailureKind.Failed, endpoints.Count == 0
            ? $"{options.Namespace}/{options.Device}: the Service {service} has no endpoint: no running instance of the VM matches it (kvedge status {options.Device} -n {options.Namespace}); {apiRoute}"
            : $"{options.Namespace}/{options.Device}: the Service {service} has no ready endpoint: the VM is not Ready (its readinessProbe, the guest's health program, fails: kvedge health {options.Device} -n {options.Namespace} says why), and a Service sends nothing to a pod that is not ready; {apiRoute}");
    }

    private async Task<string?> AnnotatedUserAsync(SshOptions options, ObjectNames names, CancellationToken ct)
    {
        var vm = await cluster.GetAsync(ClusterResource.VirtualMachine, options.Namespace, names.VirtualMachine, ct).ConfigureAwait(false);
        return vm?["metadata"]?["annotations"]?[DeviceAnnotations.SshUser]?.GetValue<string>() is { Length: > 0 } user ? user : null;
    }
}
