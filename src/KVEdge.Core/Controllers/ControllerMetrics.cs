using System.Globalization;
using System.Text;

namespace KVEdge.Core.Controllers;

/// <summary>
/// The operator's /metrics, in Prometheus' text exposition format (prometheus/docs content/docs/instrumenting/exposition_formats.md,
/// version 0.0.4), with controller-runtime's metric names (pkg/internal/controller/metrics, pkg/internal/metrics/workqueue.go,
/// pkg/metrics/leaderelection.go, v0.24.1) so existing dashboards read them, and kvedge's own: devices by their Ready
/// condition, writes. Labels are bounded (a condition status, a result), never a device's name. Written by hand: the
/// operator is a NativeAOT binary and these few lines need no library.
/// </summary>
public static class ControllerMetrics
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private static readonly string[] ConditionStatuses = ["True", "False", "Unknown"];

    public static string Render(EdgeDeviceController controller, bool? leader, string leaseName)
    {
        var stats = controller.Stats;
        var ready = controller.Devices.List()
            .GroupBy(d => d["status"]?["conditions"]?.AsArray().FirstOrDefault(c => c?["type"]?.GetValue<string>() == "Ready")?["status"]?.GetValue<string>() ?? "Unknown")
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var sb = new StringBuilder();
        void Metric(string name, string type, string help, params (string Labels, double Value)[] samples)
        {
            sb.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
            sb.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
            foreach (var (labels, value) in samples)
            {
                sb.Append(name).Append(labels.Length == 0 ? "" : "{" + labels + "}").Append(' ').Append(value.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
            }
        }

        Metric("kvedge_edgedevices", "gauge", "EdgeDevices the operator sees, by the status of their Ready condition.",
            [.. ConditionStatuses.Select(s => ($"ready=\"{s}\"", (double)ready.GetValueOrDefault(s)))]);
        Metric("controller_runtime_reconcile_total", "counter", "Reconciles per controller and result.",
            ("controller=\"edgedevice\",result=\"success\"", stats.Successes),
            ("controller=\"edgedevice\",result=\"error\"", stats.Errors),
            ("controller=\"edgedevice\",result=\"requeue_after\"", stats.RequeuesAfter));
        Metric("controller_runtime_reconcile_errors_total", "counter", "Reconciles that failed and were retried.", ("controller=\"edgedevice\"", stats.Errors));
        // A summary with its _sum and _count only (no quantiles are kept).
        sb.Append("# HELP controller_runtime_reconcile_time_seconds Time spent reconciling.\n# TYPE controller_runtime_reconcile_time_seconds summary\n");
        sb.Append("controller_runtime_reconcile_time_seconds_sum{controller=\"edgedevice\"} ").Append(stats.ReconcileTime.TotalSeconds.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        sb.Append("controller_runtime_reconcile_time_seconds_count{controller=\"edgedevice\"} ").Append(stats.Reconciles.ToString(CultureInfo.InvariantCulture)).Append('\n');
        Metric("workqueue_depth", "gauge", "Keys waiting in the work queue.", ("name=\"edgedevice\",controller=\"edgedevice\"", controller.Queue.Depth));
        Metric("kvedge_writes_total", "counter", "Writes the operator made (applies, status, finalizers, deletions, Events); a converged fleet adds none.", ("", stats.Writes));
        // The process, by the names client_golang's process collector and prometheus-net's .NET collector use.
        Metric("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", ("", Environment.WorkingSet));
        Metric("dotnet_total_memory_bytes", "gauge", "Bytes allocated on the managed heap and not yet collected (live, and garbage since the last collection).", ("", GC.GetTotalMemory(forceFullCollection: false)));
        var gc = GC.GetGCMemoryInfo();
        Metric("dotnet_gc_heap_size_bytes", "gauge", "The managed heap's size after the last collection.", ("", gc.HeapSizeBytes));
        Metric("dotnet_gc_committed_bytes", "gauge", "Memory the garbage collector has committed.", ("", gc.TotalCommittedBytes));
        Metric("dotnet_collection_count_total", "counter", "Garbage collections per generation.",
            [.. Enumerable.Range(0, GC.MaxGeneration + 1).Select(g => ($"generation=\"{g}\"", (double)GC.CollectionCount(g)))]);
        if (leader is { } isLeader)
        {
            Metric("leader_election_master_status", "gauge", "1 while this replica holds the leader Lease.", ($"name=\"{leaseName}\"", isLeader ? 1 : 0));
        }

        return sb.ToString();
    }
}
