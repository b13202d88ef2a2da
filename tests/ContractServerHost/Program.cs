using System.Net;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using KVEdge.Testing.ApiServer;

// ContractServerHost KUBECONFIG_OUT OBJECTS_JSON GUEST_SSH_PORT
// Serves the contract test server on 127.0.0.1 with the objects `kvedge template -o json` rendered (as if installed),
// each VirtualMachine's instance Running, and the VMI portforward subresource of port 22 carried to GUEST_SSH_PORT on
// 127.0.0.1 (qemu's hostfwd to the e2e guest's sshd). Writes the kubeconfig, prints "ready", and serves until killed.
if (args.Length != 3 || !int.TryParse(args[2], out var guestPort))
{
    Console.Error.WriteLine("usage: ContractServerHost KUBECONFIG_OUT OBJECTS_JSON GUEST_SSH_PORT");
    return 2;
}

await using var cluster = (await ContractCluster.StartAsync()).SeedHealthyCluster();
var objects = JsonNode.Parse(File.ReadAllText(args[1]))!["items"]!.AsArray().Select(o => o!.AsObject()).ToList();
foreach (var ns in objects.Select(o => o["metadata"]!["namespace"]!.GetValue<string>()).Distinct(StringComparer.Ordinal).Except(ContractCluster.Namespaces))
{
    cluster.Server.Seed(ContractCluster.Parse($$$"""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"{{{ns}}}"},"status":{"phase":"Active"}}"""));
}

foreach (var obj in objects)
{
    cluster.Server.Seed(obj.DeepClone().AsObject(), "kvedge");
    if (obj["kind"]!.GetValue<string>() != "VirtualMachine")
    {
        continue;
    }

    var ns = obj["metadata"]!["namespace"]!.GetValue<string>();
    var name = obj["metadata"]!["name"]!.GetValue<string>();
    cluster.Server.Seed(new JsonObject
    {
        ["apiVersion"] = "kubevirt.io/v1",
        ["kind"] = "VirtualMachineInstance",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["labels"] = obj["spec"]!["template"]!["metadata"]?["labels"]?.DeepClone() },
        ["spec"] = obj["spec"]!["template"]!["spec"]!.DeepClone(),
        // The guest's address as qemu's user network gives it (virt-api dials the first interface's address).
        ["status"] = new JsonObject
        {
            ["phase"] = "Running",
            ["interfaces"] = new JsonArray(new JsonObject { ["name"] = "default", ["ipAddress"] = "10.0.2.15", ["ipAddresses"] = new JsonArray("10.0.2.15") }),
        },
    });
    cluster.Server.MapGuestPort(ns, name, 22, new IPEndPoint(IPAddress.Loopback, guestPort));
}

// SIGTERM or SIGINT ends it: the server's own console lifetime would otherwise wait for Main to return.
var stop = new TaskCompletionSource();
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
{
    c.Cancel = true;
    stop.TrySetResult();
});
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c =>
{
    c.Cancel = true;
    stop.TrySetResult();
});
File.Copy(cluster.Kubeconfig, args[0], overwrite: true);
Console.WriteLine("ready");
await stop.Task;
return 0;
