using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace KVEdge.Testing.ApiServer;

/// <summary>
/// A double of IoT Hub's device identity registry, twins and automatic deployments, as unkind as the documented service
/// (facts and sources: ../shared/reference/iothub-dps-rest.md §2, §3, §6, §7; what all the doubles share:
/// <see cref="SasServiceDouble"/>):
/// <list type="bullet">
/// <item>api-version 2021-04-12; rights RegistryRead for a device GET, RegistryWrite for a device PUT or DELETE,
/// ServiceConnect for twins (authenticate-authorize-sas); configurations ServiceConnect, and RegistryWrite to write one
/// (undocumented: ⚠ in the notes, so the stricter pair).</item>
/// <item>PUT /devices/{id} with no If-Match on an existing id: 409 DeviceAlreadyExists; a stale If-Match: 412; an update
/// of a missing id: 404; <c>*</c> quoted or not; a new ETag on every write; ids case-sensitive (SDK RegistryManager).
/// DELETE with a stale If-Match: 412, of a missing id: 404; its twin goes with it.</item>
/// <item>Symmetric keys generated when a sas device's keys are null and returned from that PUT (SDK NormalizeDevice);
/// an edge device's deviceScope generated once and immutable (Azure/iotedge 1.5.44 DeviceScopeIdentitiesCache.cs);
/// parentScopes one scope of an edge device of the hub (SDK Device.cs; the existence check inferred, ⚠).</item>
/// <item>Twins: PATCH /twins/{id} merges tags, a null deletes one (twin semantics); a stale If-Match: 412.</item>
/// <item>Deployments: PUT /configurations/{id}, the id lower case without spaces or <c>&amp; ^ [ ] { } \ | " &lt; &gt; /</c>
/// (how-to-deploy-at-scale), created without If-Match (existing: 409), updated with it, its content immutable (400);
/// the hub adds createdTimeUtc, etag and systemMetrics. A device's effective deployment (<see cref="EffectiveModules"/>)
/// is the highest-priority standard deployment whose targetCondition its twin meets (a tie: the newest created), with the
/// layered ones of a higher priority on top, a same-named module from the higher; no standard one: no edgeHub at all
/// (module-deployment-monitoring @c8cbb95; how-to-deploy-at-scale @7954fe0; the runtime's 417, EdgeAgentConnection.cs).
/// targetCondition: <c>tags.a.b='v'</c> and <c>deviceId='v'</c> joined by <c>and</c>, <c>''</c> for a quote; anything
/// else is refused (400), not guessed.</item>
/// <item>The S1 unit's 100 registry operations a minute (learn iot-hub-devguide-quotas-throttling), then 429.</item>
/// <item>Error bodies in two of the hub's shapes, alternating (SDKv2 ServiceExceptionHandlingHelper.cs), with the
/// iothub-errorcode header.</item>
/// </list>
/// Not modelled: bulk, jobs, module twins, Entra tokens, deployment metrics' lag.
/// </summary>
public sealed class IotHubDouble : SasServiceDouble
{
    private readonly Dictionary<string, JsonObject> _devices = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JsonObject> _twins = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JsonObject> _configurations = new(StringComparer.Ordinal);
    private long _created;
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

    /// <summary>A device's twin as the hub holds it (a copy), or null.</summary>
    public JsonObject? Twin(string id)
    {
        lock (Gate)
        {
            return _twins.TryGetValue(id, out var twin) ? twin.DeepClone().AsObject() : null;
        }
    }

    /// <summary>The deployments (configurations) the hub holds, by id (copies).</summary>
    public IReadOnlyDictionary<string, JsonObject> Configurations
    {
        get
        {
            lock (Gate)
            {
                return _configurations.ToDictionary(kv => kv.Key, kv => kv.Value.DeepClone().AsObject(), StringComparer.Ordinal);
            }
        }
    }

    /// <summary>
    /// The modules a device's edgeAgent is given: module name to its desired properties (<c>$edgeAgent</c>,
    /// <c>$edgeHub</c>, the user's), from the deployments that target its twin; empty when no standard deployment does, as
    /// a new device's edgeAgent finds it (and reports 417).
    /// </summary>
    public IReadOnlyDictionary<string, JsonObject> EffectiveModules(string deviceId)
    {
        lock (Gate)
        {
            if (!_twins.TryGetValue(deviceId, out var twin))
            {
                return new Dictionary<string, JsonObject>();
            }

            var targeting = _configurations.Values
                .Where(c => c["content"]?["modulesContent"] is JsonObject && TargetCondition.Matches(c["targetCondition"]!.GetValue<string>(), twin))
                .OrderByDescending(c => c["priority"]!.GetValue<int>()).ThenByDescending(c => c["createdOrder"]!.GetValue<long>())
                .ToList();
            var standard = targeting.FirstOrDefault(c => !IsLayered(c));
            if (standard is null)
            {
                return new Dictionary<string, JsonObject>();
            }

            var modules = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
            foreach (var (name, module) in standard["content"]!["modulesContent"]!.AsObject())
            {
                modules[name] = module?["properties.desired"]?.DeepClone().AsObject() ?? [];
            }

            // Layers of a higher priority than the base, the lowest first so a higher one wins a same-named path.
            foreach (var layer in targeting.Where(c => IsLayered(c) && c["priority"]!.GetValue<int>() > standard["priority"]!.GetValue<int>()).Reverse())
            {
                foreach (var (name, module) in layer["content"]!["modulesContent"]!.AsObject())
                {
                    var desired = modules.TryGetValue(name, out var d) ? d : modules[name] = [];
                    foreach (var (key, value) in module!.AsObject())
                    {
                        SetPath(desired, key == "properties.desired" ? [] : key["properties.desired.".Length..].Split('.'), value);
                    }
                }
            }

            return modules;
        }
    }

    private static bool IsLayered(JsonObject configuration) =>
        configuration["content"]!["modulesContent"]!.AsObject().Any(m => m.Value is JsonObject o && o.Any(kv => kv.Key.StartsWith("properties.desired.", StringComparison.Ordinal)));

    private static void SetPath(JsonObject target, string[] path, JsonNode? value)
    {
        if (path.Length == 0)
        {
            foreach (var (k, v) in value!.AsObject())
            {
                target[k] = v?.DeepClone();
            }

            return;
        }

        for (var i = 0; i < path.Length - 1; i++)
        {
            target = target[path[i]] as JsonObject ?? (JsonObject)(target[path[i]] = new JsonObject());
        }

        target[path[^1]] = value?.DeepClone();
    }

    protected override string[] RightsFor(string method, string[] segments) => (segments.FirstOrDefault(), method) switch
    {
        ("devices", "GET") => ["RegistryRead"],
        ("devices", _) => ["RegistryWrite"],
        ("configurations", "GET") => ["ServiceConnect"],
        ("configurations", _) => ["ServiceConnect", "RegistryWrite"],
        _ => ["ServiceConnect"],
    };

    // Entra: the audience of https://iothubs.azure.net/.default; the built-in roles' data actions and what each request
    // needs (learn.microsoft.com/azure/role-based-access-control/built-in-roles/internet-of-things, 2024-03;
    // iot-hub/authenticate-authorize-azure-ad: deployments need configurations/*, Registry Contributor has devices/* only).
    protected override string EntraAudience => "https://iothubs.azure.net";

    protected override IReadOnlyDictionary<string, string[]> EntraRoles { get; } = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["IoT Hub Data Contributor"] = ["Microsoft.Devices/IotHubs/*"],
        ["IoT Hub Data Reader"] = ["*/read"],
        ["IoT Hub Twin Contributor"] = ["Microsoft.Devices/IotHubs/twins/*"],
        ["IoT Hub Registry Contributor"] = ["Microsoft.Devices/IotHubs/devices/*"],
    };

    protected override string[] DataActionsFor(string method, string[] segments) =>
        [$"Microsoft.Devices/IotHubs/{segments.FirstOrDefault()}/{method switch { "GET" => "read", "DELETE" => "delete", _ => "write" }}"];

    protected override Answer? Delete(string id, string ifMatch)
    {
        if (!_devices.TryGetValue(id, out var existing))
        {
            return Refusal(404, "DeviceNotFound", 404001, $"Device {id} not found.");
        }

        if (StaleETag(ifMatch, existing["etag"]?.GetValue<string>()) is { } stale)
        {
            return stale;
        }

        _devices.Remove(id);
        _twins.Remove(id);
        return new Answer(204, null, null);
    }

    protected override Answer? Route(string method, string[] segments, JsonObject? body, string ifMatch) => segments switch
    {
        ["twins", var id] when method == "GET" => _twins.TryGetValue(id, out var twin) ? new Answer(200, null, twin.DeepClone().AsObject()) : Refusal(404, "DeviceNotFound", 404001, $"Device {id} not found."),
        ["twins", var id] when method == "PATCH" => PatchTwin(id, body, ifMatch),
        ["configurations", var id] when method == "GET" => _configurations.TryGetValue(id, out var c) ? new Answer(200, null, Shown(c)) : Refusal(404, "ConfigurationNotFound", 404001, $"Configuration {id} not found."),
        ["configurations", var id] when method == "PUT" => PutConfiguration(id, body, ifMatch),
        ["configurations", var id] when method == "DELETE" => DeleteConfiguration(id, ifMatch),
        _ => null,
    };

    private Answer PatchTwin(string id, JsonObject? patch, string ifMatch)
    {
        if (!_twins.TryGetValue(id, out var twin))
        {
            return Refusal(404, "DeviceNotFound", 404001, $"Device {id} not found.");
        }

        if (StaleETag(ifMatch, twin["etag"]?.GetValue<string>()) is { } stale)
        {
            return stale;
        }

        if (patch is null || patch.Any(kv => kv.Key is not ("tags" or "properties" or "etag" or "deviceId")))
        {
            return Refusal(400, "ArgumentInvalid", 400004, "a twin patch has tags and properties.desired only");
        }

        if (patch["tags"] is JsonObject tags)
        {
            Merge(twin["tags"]!.AsObject(), tags);
        }

        if (patch["properties"]?["desired"] is JsonObject desired)
        {
            Merge(twin["properties"]!["desired"]!.AsObject(), desired);
        }

        twin["etag"] = NextETag();
        twin["version"] = twin["version"]!.GetValue<long>() + 1;
        return new Answer(200, null, twin.DeepClone().AsObject());
    }

    // Twin patch semantics: objects merge, a null removes the key.
    private static void Merge(JsonObject target, JsonObject patch)
    {
        foreach (var (key, value) in patch)
        {
            if (value is null)
            {
                target.Remove(key);
            }
            else if (value is JsonObject inner && target[key] is JsonObject existing)
            {
                Merge(existing, inner);
            }
            else
            {
                target[key] = value.DeepClone();
            }
        }
    }

    private Answer PutConfiguration(string id, JsonObject? sent, string ifMatch)
    {
        if (id.Length > 128 || id.Any(ch => char.IsUpper(ch) || char.IsWhiteSpace(ch) || "&^[]{}\\|\"<>/".Contains(ch, StringComparison.Ordinal)))
        {
            return Refusal(400, "ArgumentInvalid", 400004, "the configuration id must be lower case, at most 128 characters, without spaces or & ^ [ ] { } \\ | \" < > /");
        }

        if (sent is null || sent["id"]?.GetValue<string>() != id || sent["targetCondition"] is not JsonValue condition || sent["priority"] is not JsonValue priority
            || !priority.TryGetValue<int>(out var p) || p < 0)
        {
            return Refusal(400, "ArgumentInvalid", 400004, "a configuration needs its id, a targetCondition and a priority of at least 0");
        }

        if (!TargetCondition.TryParse(condition.GetValue<string>(), out _))
        {
            return Refusal(400, "ArgumentInvalid", 400004, "the targetCondition is not one this hub evaluates");
        }

        _configurations.TryGetValue(id, out var existing);
        if (ETagCheck(ifMatch, existing?["etag"]?.GetValue<string>(), existing is not null, "ConfigurationAlreadyExists", 409001, $"Configuration {id} already exists.", "ConfigurationNotFound", 404001) is { } refused)
        {
            return refused;
        }

        if (existing is not null && !JsonNode.DeepEquals(existing["content"], sent["content"]))
        {
            return Refusal(400, "ArgumentInvalid", 400004, "the content of a configuration cannot be changed; create a new one");
        }

        var now = Time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);
        sent["schemaVersion"] ??= "2.0";
        sent["createdTimeUtc"] = existing?["createdTimeUtc"]?.DeepClone() ?? now;
        sent["createdOrder"] = existing?["createdOrder"]?.DeepClone() ?? ++_created;
        sent["lastUpdatedTimeUtc"] = now;
        sent["etag"] = NextETag();
        sent["systemMetrics"] = new JsonObject
        {
            ["queries"] = new JsonObject
            {
                ["appliedCount"] = $"select deviceId from devices.modules where moduleId='$edgeAgent' and configurations.[[{id}]].status='Applied'",
            },
        };
        _configurations[id] = sent;
        return new Answer(200, null, Shown(sent));
    }

    private Answer DeleteConfiguration(string id, string ifMatch)
    {
        if (!_configurations.TryGetValue(id, out var existing))
        {
            return Refusal(404, "ConfigurationNotFound", 404001, $"Configuration {id} not found.");
        }

        if (StaleETag(ifMatch, existing["etag"]?.GetValue<string>()) is { } stale)
        {
            return stale;
        }

        _configurations.Remove(id);
        return new Answer(204, null, null);
    }

    // What a GET shows: without the double's own creation counter.
    private static JsonObject Shown(JsonObject configuration)
    {
        var copy = configuration.DeepClone().AsObject();
        copy.Remove("createdOrder");
        return copy;
    }

    private string NextETag() => Convert.ToBase64String(Encoding.ASCII.GetBytes((++_etag).ToString(CultureInfo.InvariantCulture)));

    protected override string Collection => "devices";

    protected override (string Field, StringComparison Comparison) IdOf => ("deviceId", StringComparison.Ordinal);

    protected override JsonObject? Read(string id) => _devices.TryGetValue(id, out var device) ? device.DeepClone().AsObject() : null;

    protected override Answer Write(string id, JsonObject sent, string ifMatch)
    {
        // A child's parent: one scope (SDK Device.cs), an IoT Edge device's of this hub (the hub's check is inferred: ⚠).
        if (sent["parentScopes"] is JsonArray parents && (parents.Count > 1
            || parents.Any(p => !_devices.Values.Any(d => d["deviceScope"] is { } scope && scope.GetValue<string>() == p?.GetValue<string>()))))
        {
            return Refusal(400, "ArgumentInvalid", 400004, "parentScopes must hold one scope of an IoT Edge device of this hub");
        }

        _devices.TryGetValue(id, out var existing);
        return ETagCheck(ifMatch, existing?["etag"]?.GetValue<string>(), existing is not null, "DeviceAlreadyExists", 409001, $"A device with ID '{id}' is already registered.", "DeviceNotFound", 404001)
            ?? new Answer(200, null, Store(sent, existing).DeepClone().AsObject());
    }

    // Under Gate: the device as the hub keeps it, with what the hub adds.
    private JsonObject Store(JsonObject device, JsonObject? existing)
    {
        var id = device["deviceId"]!.GetValue<string>();
        device["etag"] = NextETag();
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
        if (!_twins.TryGetValue(id, out var twin))
        {
            _twins[id] = twin = new JsonObject
            {
                ["deviceId"] = id,
                ["etag"] = NextETag(),
                ["version"] = 1L,
                ["tags"] = new JsonObject(),
                ["properties"] = new JsonObject { ["desired"] = new JsonObject(), ["reported"] = new JsonObject() },
            };
        }

        twin["status"] = device["status"]!.DeepClone();
        twin["capabilities"] = device["capabilities"]?.DeepClone();
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
