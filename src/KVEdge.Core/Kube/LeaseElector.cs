using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;

namespace KVEdge.Core.Kube;

/// <summary>
/// Leader election through a coordination.k8s.io/v1 Lease, as client-go's leaderelection does it (kubernetes/client-go
/// v0.36.3 tools/leaderelection/leaderelection.go, resourcelock/leaselock.go) and KubernetesClient's LeaderElector
/// (which KubernetesClient.Aot, this binary's client, does not carry): a candidate reads the Lease; absent, it creates it
/// holding it; held by another whose record it has seen unchanged for LeaseDuration (by its own clock, never the
/// record's times), it takes it (leaseTransitions + 1); held by itself, it renews it every RetryPeriod. Every write is a
/// create or a PUT with the resourceVersion read, so of two candidates racing one wins and the other gets a 409. A leader
/// that has not renewed within RenewDeadline stops leading (and the process exits, as controller-runtime's manager does).
/// </summary>
public sealed class LeaseElector(IClusterClient cluster, string ns, string name, string identity, TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private string? _observedRecord;
    private DateTimeOffset _observedAt;

    /// <summary>client-go's defaults for core components and controller-runtime's: 15 s, 10 s, 2 s.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);

    public string Identity { get; } = identity;

    public bool IsLeader { get; private set; }

    /// <summary>Who holds the Lease as last seen (null before the first read).</summary>
    public string? Leader { get; private set; }

    /// <summary>
    /// Waits until it holds the Lease, runs <paramref name="lead"/> with a token cancelled when leadership is lost (or
    /// <paramref name="ct"/> is), and returns once leading is over: true when it was lost, false when cancelled.
    /// </summary>
    public async Task<bool> RunAsync(Func<CancellationToken, Task> lead, CancellationToken ct)
    {
        while (!await TryAcquireOrRenewAsync(ct).ConfigureAwait(false))
        {
            await Task.Delay(RetryPeriod, _clock, ct).ConfigureAwait(false);
        }

        IsLeader = true;
        using var leading = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var work = Task.Run(() => lead(leading.Token), CancellationToken.None);
        var lost = false;
        var lastRenew = _clock.GetUtcNow();
        try
        {
            while (!ct.IsCancellationRequested && !work.IsCompleted)
            {
                await Task.Delay(RetryPeriod, _clock, ct).ConfigureAwait(false);
                bool renewed;
                try
                {
                    renewed = await TryAcquireOrRenewAsync(ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is ClusterApiException or ClusterUnavailableException)
                {
                    renewed = false;
                }

                if (renewed)
                {
                    lastRenew = _clock.GetUtcNow();
                }
                else if (_clock.GetUtcNow() - lastRenew > RenewDeadline || (Leader is not null && Leader != Identity))
                {
                    lost = true;
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }

        IsLeader = false;
        await leading.CancelAsync().ConfigureAwait(false);
        try
        {
            await work.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        return lost;
    }

    /// <summary>One attempt: true when this candidate holds the Lease after it.</summary>
    public async Task<bool> TryAcquireOrRenewAsync(CancellationToken ct)
    {
        var now = _clock.GetUtcNow();
        var lease = await cluster.GetAsync(ClusterResource.Lease, ns, name, ct).ConfigureAwait(false);
        if (lease is null)
        {
            try
            {
                await cluster.CreateAsync(ClusterResource.Lease, Record(null, now, transitions: 0), ct).ConfigureAwait(false);
            }
            catch (ClusterApiException ex) when (ex.Status == HttpStatusCode.Conflict)
            {
                return false;
            }

            Observe(null, now);
            Leader = Identity;
            return true;
        }

        var spec = lease["spec"] as JsonObject ?? [];
        var holder = spec["holderIdentity"]?.GetValue<string>();
        Leader = holder;
        var record = spec.ToJsonString();
        if (record != _observedRecord)
        {
            Observe(record, now);
        }

        var transitions = spec["leaseTransitions"]?.GetValue<int>() ?? 0;
        if (holder is { Length: > 0 } && holder != Identity && now - _observedAt < LeaseDuration)
        {
            return false;
        }

        var next = Record(lease, now, holder == Identity ? transitions : transitions + 1, holder == Identity ? spec["acquireTime"]?.GetValue<string>() : null);
        try
        {
            var stored = await cluster.ReplaceAsync(ClusterResource.Lease, next, ct).ConfigureAwait(false);
            Observe(stored["spec"]?.ToJsonString(), now);
        }
        catch (ClusterApiException ex) when (ex.Status == HttpStatusCode.Conflict)
        {
            return false;
        }

        Leader = Identity;
        return true;
    }

    private void Observe(string? record, DateTimeOffset at)
    {
        _observedRecord = record;
        _observedAt = at;
    }

    private JsonObject Record(JsonObject? current, DateTimeOffset now, int transitions, string? acquired = null)
    {
        var time = now.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture);
        var metadata = new JsonObject { ["name"] = name, ["namespace"] = ns };
        if (current?["metadata"]?["resourceVersion"] is { } rv)
        {
            metadata["resourceVersion"] = rv.DeepClone();
        }

        return new JsonObject
        {
            ["apiVersion"] = "coordination.k8s.io/v1",
            ["kind"] = "Lease",
            ["metadata"] = metadata,
            ["spec"] = new JsonObject
            {
                ["holderIdentity"] = Identity,
                // Whole seconds, as the field is (client-go writes int32(LeaseDuration / time.Second)).
                ["leaseDurationSeconds"] = (int)Math.Max(1, LeaseDuration.TotalSeconds),
                ["acquireTime"] = acquired ?? time,
                ["renewTime"] = time,
                ["leaseTransitions"] = transitions,
            },
        };
    }
}
