using System.Text.Json.Nodes;
using KVEdge.Core.Actions;
using KVEdge.Core.Kube;

namespace KVEdge.Core.Controllers;

/// <summary>
/// Writes Events as `kubectl describe` and `kubectl events` show them: events.k8s.io/v1, reported by
/// <paramref name="controller"/> from <paramref name="instance"/> (kubernetes/api v0.36.3 events/v1/types.go; the name is
/// the object's and the time's, as client-go's recorder makes it), the note bounded to the API's 1 KiB. Best effort, as
/// client-go's recorder: one that cannot be written is dropped and said in the log; the status holds the truth.
/// </summary>
public sealed class EventRecorder(IClusterClient cluster, TimeProvider clock, string controller, Func<string> instance)
{
    private long _sequence;

    /// <summary>Told of an Event it could not write.</summary>
    public event Action<string>? Dropped;

    /// <summary>How many Events it wrote.</summary>
    public int Written => (int)Interlocked.Read(ref _written);

    private long _written;

    /// <summary>True when it was written.</summary>
    public async Task<bool> RecordAsync(string ns, JsonObject regarding, string reason, string note, bool warning, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var name = regarding["name"]!.GetValue<string>();
        var e = new JsonObject
        {
            ["apiVersion"] = "events.k8s.io/v1",
            ["kind"] = "Event",
            ["metadata"] = new JsonObject
            {
                ["name"] = $"{name}.{now.ToUnixTimeMilliseconds() * 1_000_000 + Interlocked.Increment(ref _sequence) % 1_000_000:x}",
                ["namespace"] = ns,
            },
            ["eventTime"] = now.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", System.Globalization.CultureInfo.InvariantCulture),
            ["reportingController"] = controller,
            ["reportingInstance"] = instance(),
            ["action"] = "Reconcile",
            ["reason"] = reason,
            ["type"] = warning ? "Warning" : "Normal",
            ["note"] = note.Length <= 1024 ? note : note[..1023] + "…",
            ["regarding"] = regarding,
        };
        try
        {
            await cluster.CreateAsync(ClusterResource.Event, e, ct).ConfigureAwait(false);
            Interlocked.Increment(ref _written);
            return true;
        }
        catch (Exception ex) when (ex is ClusterApiException or ClusterUnavailableException)
        {
            Dropped?.Invoke($"{ns}/{name}: event not recorded: {DeviceConditions.Bounded(ex.Message)}");
            return false;
        }
    }
}
