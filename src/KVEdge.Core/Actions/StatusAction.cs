using System.Text.Json.Nodes;
using KVEdge.Core.Rendering;

using KVEdge.Core.Kube;

using KVEdge.Core.Spec;

namespace KVEdge.Core.Actions;

/// <summary>
/// `kvedge status`: every kvedge device of a namespace (or one) from at most five list calls (VMs, VMIs, DataVolumes,
/// Services, and Nodes only when a NodePort needs a node address, or the launcher pods when nodes are forbidden; the
/// forbidden attempt is a sixth), never one request per device.
/// </summary>
public sealed class StatusAction(IClusterClient cluster, TimeProvider? clock = null)
{
    /// <summary>The devices of the options' namespace (every namespace when it is null), or the one named; NotFound when that one is not there.</summary>
    public async Task<StatusResult> RunAsync(StatusOptions options, CancellationToken ct)
    {
        var devices = await RunAsync(options.Namespace, options.Device, ct).ConfigureAwait(false);
        if (options.Guest is { } guest)
        {
            devices = await WithHealthAsync(devices, guest, options.Concurrency, ct).ConfigureAwait(false);
        }

        return options.Device is not null && devices.Count == 0
            ? new StatusResult(devices, new ActionFailure(FailureKind.NotFound,
                $"device {options.Namespace}/{options.Device} not found (no VirtualMachine labelled {StandardLabels.Device}={options.Device})"))
            : new StatusResult(devices, null);
    }

    public async Task<IReadOnlyList<DeviceStatus>> RunAsync(string? ns, string? device, CancellationToken ct)
    {
        var selector = StandardLabels.DeviceSelector(device);
        var vms = await cluster.ListAsync(ClusterResource.VirtualMachine, ns, selector, null, ct).ConfigureAwait(false);
        if (vms.Items.Count == 0)
        {
            return [];
        }

        var vmis = await cluster.ListAsync(ClusterResource.VirtualMachineInstance, ns, selector, null, ct).ConfigureAwait(false);
        var dvs = await cluster.ListAsync(ClusterResource.DataVolume, ns, selector, null, ct).ConfigureAwait(false);
        var services = await cluster.ListAsync(ClusterResource.Service, ns, selector, null, ct).ConfigureAwait(false);
        // Nodes are cluster-scoped: a namespace-scoped user (the common case on a shared cluster) may not list them, and
        // then reads the launcher pods' node addresses instead (one list either way).
        var addresses = services.Items.Any(s => s["spec"]?["type"]?.GetValue<string>() == ExposeTypes.NodePort)
            ? await NodeAddresses.ReadAsync(cluster, ns, selector, ct).ConfigureAwait(false)
            : NodeAddresses.None;

        static string Key(JsonObject o) => $"{o["metadata"]?["namespace"]}/{o["metadata"]?["name"]}";
        var edgeDevices = await EdgeDevicesAsync(vms.Items, ns, ct).ConfigureAwait(false);
        var vmiByKey = vmis.Items.ToDictionary(Key, StringComparer.Ordinal);
        var serviceByKey = services.Items.ToDictionary(Key, StringComparer.Ordinal);
        var dataVolumesByDevice = dvs.Items
            .GroupBy(dv => $"{dv["metadata"]?["namespace"]}/{dv["metadata"]?["labels"]?[StandardLabels.Device]}", StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<JsonObject>)[.. g.OrderBy(dv => dv["metadata"]!["name"]!.GetValue<string>(), StringComparer.Ordinal)], StringComparer.Ordinal);
        return vms.Items.Select(vm =>
        {
            var name = vm["metadata"]!["name"]!.GetValue<string>();
            var vmNs = vm["metadata"]!["namespace"]!.GetValue<string>();
            var vmi = vmiByKey.GetValueOrDefault($"{vmNs}/{name}");
            var deviceDataVolumes = dataVolumesByDevice.GetValueOrDefault($"{vmNs}/{name}") ?? [];
            var root = deviceDataVolumes.FirstOrDefault(dv => dv["metadata"]!["name"]!.GetValue<string>() == new ObjectNames(name).RootDisk);
            var conditions = new List<string>();
            foreach (var source in new[] { vm, vmi })
            {
                foreach (var c in source?["status"]?["conditions"]?.AsArray() ?? [])
                {
                    var line = $"{c?["type"]}={c?["status"]}";
                    if (!conditions.Contains(line))
                    {
                        conditions.Add(line);
                    }
                }
            }

            var readiness = DeviceReadiness.Of(name, vm, vmi, deviceDataVolumes);
            var import = root?["status"] is JsonObject s ? ImportState.Describe(s) : null;
            var service = serviceByKey.GetValueOrDefault($"{vmNs}/{name}");
            var ssh = service is null ? null : SshEndpoint.Describe(service, addresses, vmi) + NoReadyEndpoint(vm, service);
            // Not run by the operator: no generation to observe, and the conditions' times are the query's.
            var summary = DeviceSummary.Of(readiness, vm, vmi, root, null, [], (clock ?? TimeProvider.System).GetUtcNow(), ssh: ssh);

            // A device the operator runs: its EdgeDevice's conditions first, as kstatus reads them, and in the summary
            // the EdgeDevice's own, for the generation it observed.
            if (edgeDevices.GetValueOrDefault($"{vmNs}/{OwningEdgeDevice(vm)}") is { } cr)
            {
                var stored = EdgeDeviceStatus.ConditionsOf(cr["status"]);
                conditions.InsertRange(0, stored.Select(c => $"EdgeDevice/{c.Type}={c.Status}"));
                summary.Conditions = stored;
                summary.ObservedGeneration = cr["status"]?["observedGeneration"]?.GetValue<long>();
                summary.IotEdgeVersion = cr["spec"]?["iotEdge"]?["version"]?.GetValue<string>();
            }
            return new DeviceStatus(
                vmNs,
                name,
                vm["status"]?["printableStatus"]?.GetValue<string>() ?? "Unknown",
                vm["status"]?["ready"]?.GetValue<bool>() == true,
                vmi?["status"]?["nodeName"]?.GetValue<string>(),
                vmi?["status"]?["interfaces"]?.AsArray().FirstOrDefault()?["ipAddress"]?.GetValue<string>(),
                import,
                ssh,
                conditions,
                vm["spec"]?["runStrategy"]?.GetValue<string>(),
                vmi?["status"]?["interfaces"]?.AsArray().FirstOrDefault()?["mac"]?.GetValue<string>(),
                // Filled by the guest agent (KubeVirt's VMI status.guestOSInfo); empty until it connects.
                vmi?["status"]?["guestOSInfo"]?["prettyName"]?.GetValue<string>() is { Length: > 0 } os ? os : null,
                vmi?["status"]?["conditions"]?.AsArray().FirstOrDefault(c => c?["type"]?.GetValue<string>() == "LiveMigratable")?["status"]?.GetValue<string>(),
                IotEdgeFromReadiness(vmi),
                null,
                vmi?["status"]?["phase"]?.GetValue<string>() == "Running",
                readiness,
                summary);
        }).ToList();
    }

    private static string? OwningEdgeDevice(JsonObject vm) =>
        vm["metadata"]?["ownerReferences"]?.AsArray().FirstOrDefault(o => o?["kind"]?.GetValue<string>() == EdgeDevice.KindValue)?["name"]?.GetValue<string>();

    // The EdgeDevices of the devices the operator runs, by one list; none (and no request) when it runs none. A cluster
    // without the CRD (404) or a user who may not read them (403) leaves them out.
    private async Task<Dictionary<string, JsonObject>> EdgeDevicesAsync(IReadOnlyList<JsonObject> vms, string? ns, CancellationToken ct)
    {
        if (!vms.Any(vm => OwningEdgeDevice(vm) is not null))
        {
            return [];
        }

        try
        {
            var list = await cluster.ListAsync(ClusterResource.EdgeDevice, ns, null, null, ct).ConfigureAwait(false);
            return list.Items.ToDictionary(o => $"{o["metadata"]?["namespace"]}/{o["metadata"]?["name"]}", StringComparer.Ordinal);
        }
        catch (ClusterApiException ex) when (ex.IsNotFound || ex.Status == System.Net.HttpStatusCode.Forbidden)
        {
            return [];
        }
    }

    /// <summary>
    /// IoT Edge's health as Kubernetes sees it: the VMI's Ready condition, which the VM's readinessProbe (kvedge-health
    /// through the guest agent) holds False until IoT Edge is healthy. Why it is not healthy is the guest's to say
    /// (--health, kvedge health NAME); a probe needs the agent, so without one it cannot have run yet.
    /// </summary>
    // A Service routes only to ready endpoints, and the VM's pod is ready only while its readinessProbe passes (the
    // EndpointSlice controller; kubernetes.io/docs/concepts/services-networking/endpoint-slices): read from the VM's
    // readiness, without listing the slices.
    private static string NoReadyEndpoint(JsonObject vm, JsonObject service) =>
        vm["status"]?["ready"]?.GetValue<bool>() == true || service["spec"]?["publishNotReadyAddresses"]?.GetValue<bool>() == true
            ? ""
            : " (no ready endpoint until the VM is Ready; kvedge ssh goes through the API server)";

    public static string? IotEdgeFromReadiness(JsonObject? vmi)
    {
        if (vmi?["status"]?["phase"]?.GetValue<string>() != "Running")
        {
            return null;
        }

        if (vmi["spec"]?["readinessProbe"] is null)
        {
            return "unknown (no readiness probe)";
        }

        return DeviceReadiness.HasCondition(vmi, "Ready") ? "healthy"
            : !DeviceReadiness.HasCondition(vmi, "AgentConnected") ? "starting (no guest agent yet)"
            : "not ready (the health probe fails)";
    }

    // The health program in each running device, a few at a time (each is an SSH session through the API server).
    private static async Task<IReadOnlyList<DeviceStatus>> WithHealthAsync(IReadOnlyList<DeviceStatus> devices, Func<DeviceStatus, IGuestShell> guest, int concurrency, CancellationToken ct)
    {
        var result = devices.ToArray();
        await Parallel.ForEachAsync(Enumerable.Range(0, result.Length), new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, concurrency), CancellationToken = ct }, async (i, token) =>
        {
            var device = result[i];
            if (!device.Running)
            {
                return;
            }

            var health = await new HealthAction(guest(device)).RunAsync(token).ConfigureAwait(false);
            result[i] = health.Report is { } report
                ? device with { IotEdge = report.Brief, Health = report }
                : device with { IotEdge = $"unknown: {health.Failure!.Message}" };
        }).ConfigureAwait(false);
        return result;
    }
}
