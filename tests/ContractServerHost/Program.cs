using System.Net;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using KVEdge.Testing.ApiServer;

// ContractServerHost KUBECONFIG_OUT OBJECTS_JSON GUEST_SSH_PORT [--guest-hooks FOLDER]
// ContractServerHost --hub-deployment SPEC OUT_JSON (HubDeployment.cs: the IoT Hub double's deployment for a device)
// Serves the contract test server on 127.0.0.1 with the objects `kvedge template -o json` rendered (as if installed:
// their DataVolumes imported), each VirtualMachine's instance Running, and the VMI portforward subresource of port 22
// carried to GUEST_SSH_PORT on 127.0.0.1 (qemu's hostfwd to the e2e guest's sshd). Writes the kubeconfig, prints
// "ready", and serves until killed.
// With --guest-hooks, the instances are Ready with their agent connected (the harness starts it with its guest up and
// healthy), and the KubeVirt simulator runs with the harness's guest behind it (LineGuest: requests on standard output,
// answers on standard input; FOLDER holds the objects each boot is given): a restart stops and boots the real guest.
if (args is ["--hub-deployment", var registeredSpec, var deploymentOut])
{
    return await HubDeployment.RunAsync(registeredSpec, deploymentOut);
}

var hooks = args.Length == 5 && args[3] == "--guest-hooks" ? args[4] : null;
if ((args.Length != 3 && hooks is null) || !int.TryParse(args[2], out var guestPort))
{
    Console.Error.WriteLine("usage: ContractServerHost KUBECONFIG_OUT OBJECTS_JSON GUEST_SSH_PORT [--guest-hooks FOLDER]");
    return 2;
}

await using var cluster = (await ContractCluster.StartAsync()).SeedHealthyCluster();
var objects = JsonNode.Parse(File.ReadAllText(args[1]))!["items"]!.AsArray().Select(o => o!.AsObject()).ToList();
foreach (var ns in objects.Select(o => o["metadata"]!["namespace"]!.GetValue<string>()).Distinct(StringComparer.Ordinal).Except(ContractCluster.Namespaces))
{
    cluster.Server.Seed(ContractCluster.Parse($$$"""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"{{{ns}}}"},"status":{"phase":"Active"}}"""));
}

// The revision kvedge's apply stamps on the VM's template (DeviceReconciler, RolloutRevision): a digest of the template
// and of the config and credentials disks' data, the disks first, as the rendering orders them.
using var revision = new KVEdge.Core.Actions.RolloutRevision();
foreach (var obj in objects)
{
    var kind = obj["kind"]!.GetValue<string>();
    revision.Add(kind, obj["metadata"]!["name"]!.GetValue<string>(), obj["metadata"]!["labels"]?[KVEdge.Core.Spec.StandardLabels.Role]?.GetValue<string>(), obj);
    if (kind == "VirtualMachine")
    {
        KVEdge.Core.Actions.RolloutMarks.StampRevision(obj, revision.Finish());
    }
}

foreach (var obj in objects)
{
    // As kvedge's install applies it: with the hash of what it applied (so an unchanged object is not written again).
    var installed = KVEdge.Core.Kube.AppliedHash.Stamp(obj);
    if (obj["kind"]!.GetValue<string>() == "DataVolume")
    {
        // CDI's status of a finished import (kubevirt/containerized-data-importer v1.66.0 DataVolumeStatus).
        installed["status"] = new JsonObject { ["phase"] = "Succeeded", ["progress"] = "100.0%" };
    }

    cluster.Server.SeedApplied(installed, "kvedge");
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
        // The template's labels and annotations (kubevirt/kubevirt v1.9.0 pkg/virt-controller/watch/vm/vm.go,
        // setupVMIFromVM), the revision kvedge stamps among them.
        ["metadata"] = new JsonObject
        {
            ["name"] = name,
            ["namespace"] = ns,
            ["labels"] = obj["spec"]!["template"]!["metadata"]?["labels"]?.DeepClone(),
            ["annotations"] = obj["spec"]!["template"]!["metadata"]?["annotations"]?.DeepClone(),
        },
        ["spec"] = obj["spec"]!["template"]!["spec"]!.DeepClone(),
        // The guest's address as qemu's user network gives it (virt-api dials the first interface's address).
        ["status"] = new JsonObject
        {
            ["phase"] = "Running",
            ["nodeName"] = KubeVirtSimulator.NodeName,
            ["interfaces"] = new JsonArray(new JsonObject { ["name"] = "default", ["ipAddress"] = "10.0.2.15", ["ipAddresses"] = new JsonArray("10.0.2.15") }),
            ["conditions"] = hooks is null ? null : new JsonArray(Condition("Ready"), Condition("AgentConnected")),
        },
    });
    if (hooks is not null)
    {
        var vm = cluster.Server.Store.Get(ResourceType.VirtualMachine, ns, name)!;
        var running = vm.Object.DeepClone().AsObject();
        running["status"] = new JsonObject { ["printableStatus"] = "Running", ["created"] = true, ["ready"] = true, ["conditions"] = new JsonArray(Condition("Ready")) };
        cluster.Server.Store.Commit(ResourceType.VirtualMachine, running, vm.Managers);
    }

    cluster.Server.MapGuestPort(ns, name, 22, new IPEndPoint(IPAddress.Loopback, guestPort));
}

using var lineGuest = hooks is null ? null : new LineGuest(hooks);
if (lineGuest is not null)
{
    cluster.Server.Simulator.Guest = lineGuest;
    // A probe of 10 s period every second: each run is a guest-exec in an emulated guest.
    cluster.Server.Simulator.ProbeTimeScale = 0.1;
    cluster.Server.Simulator.Start();
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

static JsonObject Condition(string type) => new() { ["type"] = type, ["status"] = "True", ["lastProbeTime"] = null, ["lastTransitionTime"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture) };
