namespace KVEdge.Core.Controllers;

/// <summary>How `kvedge operator` runs its EdgeDevice controller.</summary>
/// <param name="Namespace">The one namespace it watches, or null for all (a ClusterRole then).</param>
public sealed record ControllerOptions(string? Namespace = null)
{
    /// <summary>The field manager its writes carry (server-side apply of the devices' objects, the status, the finalizer).</summary>
    public const string FieldManager = "kvedge-operator";

    /// <summary>Devices reconciled at once; one device is never reconciled by two workers.</summary>
    public int Workers { get; init; } = 4;

    /// <summary>
    /// How devices with spec.iotEdge.registration reach IoT Hub and DPS (the real hosts; in tests the doubles). Made
    /// once and shared: one HttpClient per host for the operator's life.
    /// </summary>
    public IotHub.IotServiceConnector? Iot { get; init; }

    /// <summary>Every device is reconciled again this often even with no event (a safety net, as controller-runtime's SyncPeriod).</summary>
    public TimeSpan Resync { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How soon a device that is not Ready yet is looked at again when no event comes first.</summary>
    public TimeSpan NotReadyPoll { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The first retry after a failed reconcile; each further failure doubles it (client-go's 5 ms, capped at 1000 s).</summary>
    public TimeSpan RetryBase { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>How long it waits for an object that is being deleted before a new one of the same name is applied.</summary>
    public TimeSpan DeletionPoll { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How devices no RolloutPolicy selects are rolled: one at a time, health-gated, halting on the first failure.</summary>
    public Actions.RolloutPolicy DefaultRollout { get; init; } = Actions.RolloutPolicy.Default;

    /// <summary>How often a namespace with a rollout under way is looked at again without an event (its progress deadlines).</summary>
    public TimeSpan RolloutTick { get; init; } = TimeSpan.FromSeconds(2);
}
