using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace KVEdge.Testing.ApiServer;

/// <summary>
/// A double of IoT Hub's device identity registry, as unkind as the documented service (facts and sources:
/// ../shared/reference/iothub-dps-rest.md §2, §7; what all the doubles share: <see cref="SasServiceDouble"/>):
/// <list type="bullet">
/// <item>api-version 2021-04-12; rights RegistryRead for a GET, RegistryWrite for a PUT (authenticate-authorize-sas).</item>
/// <item>PUT /devices/{id} with no If-Match on an existing id: 409 DeviceAlreadyExists; a stale If-Match: 412; an update
/// of a missing id: 404; <c>*</c> quoted or not; a new ETag on every write; ids case-sensitive (SDK RegistryManager).</item>
/// <item>Symmetric keys generated when a sas device's keys are null and returned from that PUT (SDK NormalizeDevice);
/// an edge device's deviceScope generated once and immutable (Azure/iotedge 1.5.44 DeviceScopeIdentitiesCache.cs).</item>
/// <item>The S1 unit's 100 registry operations a minute (learn iot-hub-devguide-quotas-throttling), then 429.</item>
/// <item>Error bodies in two of the hub's shapes, alternating (SDKv2 ServiceExceptionHandlingHelper.cs), with the
/// iothub-errorcode header.</item>
/// </list>
/// Not modelled yet: twins, configurations (deployments), bulk, jobs, Entra tokens.
/// </summary>
public sealed class IotHubDouble : SasServiceDouble
{
    private readonly Dictionary<string, JsonObject> _devices = new(StringComparer.Ordinal);
    private long _etag;
    private long _scope = 638000000000000000;
    private int _shape;

    private IotHubDouble(string hostName)
        : base(hostName, 100)
    {
    }

    protected override string ApiVersion => "2021-04-12";

    protected override string ErrorCodeHeader => "iothub-errorcode";

    public static async Task<IotHubDouble> StartAsync(string hostName = "hub-a.azure-devices.net")
    {
        var hub = new IotHubDouble(hostName);
        await hub.ListenAsync();
        return hub;
    }

    /// <summary>A device as the hub holds it (a copy), or null.</summary>
    public JsonObject? Device(string id)
    {
        lock (Gate)
        {
            return Read(id);
        }
    }

    protected override (string Read, string Write) Rights => ("RegistryRead", "RegistryWrite");

    protected override string Collection => "devices";

    protected override (string Field, StringComparison Comparison) IdOf => ("deviceId", StringComparison.Ordinal);

    protected override JsonObject? Read(string id) => _devices.TryGetValue(id, out var device) ? device.DeepClone().AsObject() : null;

    protected override Answer Write(string id, JsonObject sent, string ifMatch)
    {
        _devices.TryGetValue(id, out var existing);
        return ETagCheck(ifMatch, existing?["etag"]?.GetValue<string>(), existing is not null, "DeviceAlreadyExists", 409001, $"A device with ID '{id}' is already registered.", "DeviceNotFound", 404001)
            ?? new Answer(200, null, Store(sent, existing).DeepClone().AsObject());
    }

    // Under Gate: the device as the hub keeps it, with what the hub adds.
    private JsonObject Store(JsonObject device, JsonObject? existing)
    {
        var id = device["deviceId"]!.GetValue<string>();
        device["etag"] = Convert.ToBase64String(Encoding.ASCII.GetBytes((++_etag).ToString(CultureInfo.InvariantCulture)));
        device["generationId"] = existing?["generationId"]?.DeepClone() ?? (JsonNode)(_scope + _etag).ToString(CultureInfo.InvariantCulture);
        device["status"] ??= "enabled";
        device["connectionState"] = existing?["connectionState"]?.DeepClone() ?? "Disconnected";
        if (device["authentication"]?["type"]?.GetValue<string>() == "sas" && device["authentication"]!["symmetricKey"]?["primaryKey"] is null)
        {
            device["authentication"]!["symmetricKey"] = new JsonObject
            {
                ["primaryKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
                ["secondaryKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            };
        }

        if (device["capabilities"]?["iotEdge"]?.GetValue<bool>() == true)
        {
            device["deviceScope"] = existing?["deviceScope"]?.DeepClone() ?? $"ms-azure-iot-edge://{id}-{++_scope}";
        }

        _devices[id] = device;
        return device;
    }

    // The hub's error shapes, alternating: (a) {"Message":"ErrorCode:NAME;text","ExceptionMessage":"Tracking ID:..."}
    // and (b) the same with Message an escaped JSON object carrying the number.
    protected override Answer Refusal(int status, string name, int number, string text)
    {
        var tracking = $"Tracking ID:{TrackingId()}";
        var body = Interlocked.Increment(ref _shape) % 2 == 0
            ? new JsonObject
            {
                ["Message"] = new JsonObject { ["errorCode"] = number, ["trackingId"] = tracking, ["message"] = text, ["timestampUtc"] = Time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture) }.ToJsonString(),
                ["ExceptionMessage"] = tracking,
            }
            : new JsonObject { ["Message"] = $"ErrorCode:{name};{text}", ["ExceptionMessage"] = tracking };
        return new Answer(status, name, body);
    }
}
