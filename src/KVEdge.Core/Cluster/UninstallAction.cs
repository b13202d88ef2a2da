using KVEdge.Core.Rendering;

namespace KVEdge.Core.Cluster;

/// <summary>
/// `kvedge uninstall NAME`: deletes what kvedge created for the device, found by its labels, in reverse apply order.
/// The data disk (EdgeHub's queue, the identities) and the credentials Secret are kept unless <c>purge</c>; an
/// existingSecret the user made is never touched, because kvedge did not create it.
/// </summary>
public sealed class UninstallAction(IClusterClient cluster)
{
    private static readonly string[] KeptWithoutPurge = [Roles.DataDisk, Roles.Credentials];

    public async Task<DeviceOutcome> RunAsync(string ns, string device, bool purge, bool dryRun, CancellationToken ct)
    {
        var changes = new List<Change>();
        var selector = $"{StandardLabels.Device}={device},{StandardLabels.ManagedBy}={StandardLabels.Manager}";
        try
        {
            foreach (var resource in ClusterResource.Rendered.Reverse())
            {
                var list = await cluster.ListAsync(resource, ns, selector, null, ct).ConfigureAwait(false);
                foreach (var item in list.Items.OrderBy(i => i["metadata"]!["name"]!.GetValue<string>(), StringComparer.Ordinal))
                {
                    var name = item["metadata"]!["name"]!.GetValue<string>();
                    var role = item["metadata"]?["labels"]?[StandardLabels.Role]?.GetValue<string>();
                    if (!purge && KeptWithoutPurge.Contains(role))
                    {
                        changes.Add(new Change(device, resource, ns, name, ChangeAction.Kept, role == Roles.DataDisk
                            ? "the data disk; --purge deletes it"
                            : "the device's credentials; --purge deletes them"));
                        continue;
                    }

                    if (!dryRun)
                    {
                        await cluster.DeleteAsync(resource, ns, name, ct).ConfigureAwait(false);
                    }

                    changes.Add(new Change(device, resource, ns, name, ChangeAction.Deleted, dryRun ? "dry run" : null));
                }
            }
        }
        catch (ClusterApiException ex)
        {
            return new DeviceOutcome(ns, device, changes, [], false, ex.Message);
        }
        catch (ClusterUnavailableException ex)
        {
            return new DeviceOutcome(ns, device, changes, [], false, ex.Message, Unreachable: true);
        }

        return changes.Count == 0
            ? new DeviceOutcome(ns, device, changes, [], false, $"no objects of device {ns}/{device} (label {StandardLabels.Device}={device}) found")
            : new DeviceOutcome(ns, device, changes, [], false, null);
    }
}
