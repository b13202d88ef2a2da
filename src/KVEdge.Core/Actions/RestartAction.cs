using System.Net;
using KVEdge.Core.Kube;

namespace KVEdge.Core.Actions;

/// <summary>
/// `kvedge restart NAME`: KubeVirt's restart subresource, as `virtctl restart` calls it. Asynchronous, as virtctl's: the
/// old instance shuts down, then a new one starts; the disks, and so the data, stay.
/// </summary>
public sealed class RestartAction(IClusterClient cluster)
{
    public async Task<RestartResult> RunAsync(RestartOptions options, CancellationToken ct)
    {
        try
        {
            await cluster.RestartVirtualMachineAsync(options.Namespace, options.Device, ct).ConfigureAwait(false);
            return new RestartResult(null);
        }
        catch (ClusterApiException ex) when (ex.Status == HttpStatusCode.NotFound)
        {
            return new RestartResult(new ActionFailure(FailureKind.NotFound, $"device {options.Namespace}/{options.Device} not found (no VirtualMachine {options.Device}): {ex.Message}"));
        }
        catch (ClusterApiException ex) when (ex.IsConflict || ex.Status == HttpStatusCode.InternalServerError)
        {
            // KubeVirt refuses a restart for runStrategy Halted/Once and a VM that is not running (409), and while an
            // earlier stop/start is queued (500): its answer, not a field conflict (kubevirt pkg/virt-api/rest/lifecycle.go).
            return new RestartResult(new ActionFailure(FailureKind.Refused, $"KubeVirt did not restart virtualmachine.kubevirt.io/{options.Device}: {ex.Message}"));
        }
    }
}
