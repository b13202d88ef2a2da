using System.Globalization;
using System.Text.Json.Nodes;
using KVEdge.Core.Kube;
using KVEdge.Core.Rendering;
using KVEdge.Core.Spec;

namespace KVEdge.Core.Actions;

/// <summary>
/// `kvedge ssh NAME`: where the device's SSH port is reachable from outside the cluster (its Service; a node address for
/// a NodePort) and as whom: --user, else the VM's kvedge.io/ssh-user annotation (the spec's ssh.user, put there by
/// the renderer), else the spec's default user.
/// </summary>
public sealed class SshAction(IClusterClient cluster)
{
    public async Task<SshResult> RunAsync(SshOptions options, CancellationToken ct)
    {
        var names = new ObjectNames(options.Device);
        var service = await cluster.GetAsync(ClusterResource.Service, options.Namespace, names.Service, ct).ConfigureAwait(false);
        if (service is null)
        {
            return SshResult.Failed(FailureKind.NotFound, $"device {options.Namespace}/{options.Device} has no Service {names.Service}; is it installed, with spec.expose.type other than None?");
        }

        IReadOnlyList<JsonObject> nodes = service["spec"]?["type"]?.GetValue<string>() == ExposeTypes.NodePort
            ? (await cluster.ListAsync(ClusterResource.Node, null, null, null, ct).ConfigureAwait(false)).Items
            : [];
        var target = SshEndpoint.Resolve(service, nodes);
        if (!target.Reachable)
        {
            return SshResult.Failed(FailureKind.Failed, $"{options.Namespace}/{options.Device}: no SSH endpoint outside the cluster: {target.Note}");
        }

        var user = options.User ?? await AnnotatedUserAsync(options, names, ct).ConfigureAwait(false) ?? new SshSpec().User;
        List<string> args = ["-p", target.Port.ToString(CultureInfo.InvariantCulture)];
        if (options.Identity is { } identity)
        {
            args.AddRange(["-i", identity]);
        }

        args.Add($"{user}@{target.Host}");
        return new SshResult(args, user, target, null);
    }

    private async Task<string?> AnnotatedUserAsync(SshOptions options, ObjectNames names, CancellationToken ct)
    {
        var vm = await cluster.GetAsync(ClusterResource.VirtualMachine, options.Namespace, names.VirtualMachine, ct).ConfigureAwait(false);
        return vm?["metadata"]?["annotations"]?[DeviceAnnotations.SshUser]?.GetValue<string>() is { Length: > 0 } user ? user : null;
    }
}
