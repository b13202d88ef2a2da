using System.Text.Json.Nodes;

using KVEdge.Core.Spec;

namespace KVEdge.Core.Actions;

public static class SshEndpoint
{
    /// <param name="addresses">The cluster's nodes, or when this user may not list them (a namespace-scoped role) the
    /// launcher pods' node addresses.</param>
    /// <param name="vmi">The device's VMI, whose pod's node serves a NodePort when the nodes are not known.</param>
    public static SshTarget Resolve(JsonObject service, NodeAddresses addresses, JsonObject? vmi)
    {
        var spec = service["spec"];
        var type = spec?["type"]?.GetValue<string>() ?? ExposeTypes.ClusterIP;
        var port = spec?["ports"]?.AsArray().FirstOrDefault(p => p?["name"]?.GetValue<string>() == "ssh") ?? spec?["ports"]?.AsArray().FirstOrDefault();
        var servicePort = port?["port"]?.GetValue<int>() ?? 22;
        var name = service["metadata"]?["name"]?.GetValue<string>();
        var ns = service["metadata"]?["namespace"]?.GetValue<string>();
        switch (type)
        {
            case ExposeTypes.LoadBalancer:
                var ingress = service["status"]?["loadBalancer"]?["ingress"]?.AsArray().FirstOrDefault();
                var host = ingress?["ip"]?.GetValue<string>() ?? ingress?["hostname"]?.GetValue<string>();
                return host is null
                    ? new SshTarget(null, servicePort, "LoadBalancer address pending")
                    : new SshTarget(host, servicePort, ExposeTypes.LoadBalancer);
            case ExposeTypes.NodePort:
                var nodePort = port?["nodePort"]?.GetValue<int>() ?? 0;
                if (addresses.Nodes is null)
                {
                    const string Ask = "`kubectl get nodes -o wide` with a user who may, or ask the cluster's admin";
                    return addresses.HostIpOf(vmi) is { } hostIp
                        ? new SshTarget(hostIp, nodePort, ExposeTypes.NodePort)
                        : addresses.HostIpByVmiUid is null
                            ? new SshTarget(null, nodePort, $"NodePort {nodePort} on any node's address (this user may neither list nodes nor read the device's pod; {Ask})")
                            : new SshTarget(null, nodePort, $"NodePort {nodePort} on any node's address (this user may not list nodes, and the device has no running pod to name its node; {Ask})");
                }

                var address = addresses.Nodes
                    .SelectMany(n => n["status"]?["addresses"]?.AsArray() ?? [])
                    .OrderBy(a => a?["type"]?.GetValue<string>() == "ExternalIP" ? 0 : a?["type"]?.GetValue<string>() == "InternalIP" ? 1 : 2)
                    .Select(a => a?["type"]?.GetValue<string>() is "ExternalIP" or "InternalIP" ? a?["address"]?.GetValue<string>() : null)
                    .FirstOrDefault(a => a is not null);
                return address is null
                    ? new SshTarget(null, nodePort, "NodePort, no node address known")
                    : new SshTarget(address, nodePort, ExposeTypes.NodePort);
            default:
                return new SshTarget(null, servicePort,
                    $"ClusterIP only: kubectl port-forward -n {ns} service/{name} 2222:{servicePort}, then ssh -p 2222 to 127.0.0.1");
        }
    }

    public static string Describe(JsonObject service, NodeAddresses addresses, JsonObject? vmi)
    {
        var target = Resolve(service, addresses, vmi);
        return target.Reachable ? $"{target.Host}:{target.Port}" : target.Note;
    }
}
