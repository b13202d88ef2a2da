using System.Net;
using System.Text.Json.Nodes;

namespace KVEdge.Core.IotHub;

/// <summary>
/// IoT Hub's device identity registry, twins and automatic deployments over its REST API (api-version 2021-04-12:
/// Azure/azure-iot-sdk-csharp main, ClientApiVersionHelper.cs), as the service SDK's RegistryManager and the CLI call it
/// (azure-iot-cli-extension azext_iot/sdk/iothub/service/operations): GET, PUT and DELETE /devices/{id}, a create with no
/// If-Match (an existing id: 409), an update with the device's ETag in If-Match (a stale one: 412); GET and PATCH
/// /twins/{id}; GET, PUT and DELETE /configurations/{id}.
/// </summary>
public sealed class IotHubRegistryClient(IotServiceClient rest)
{
    public const string ApiVersion = "2021-04-12";

    private const string Read = "the SAS policy needs RegistryRead (registryRead has it), or the Entra principal the role IoT Hub Registry Contributor";
    private const string Write = "the SAS policy needs RegistryWrite (registryReadWrite has it), or the Entra principal the role IoT Hub Registry Contributor";
    private const string Twins = "the SAS policy needs ServiceConnect (service and iothubowner have it), or the Entra principal the role IoT Hub Twin Contributor";
    private const string Deployments = "the SAS policy needs ServiceConnect and RegistryWrite (iothubowner has both), or the Entra principal the role IoT Hub Data Contributor";

    public IotHubRegistryClient(HttpClient http, Uri endpoint, IHubCredential credential)
        : this(new IotServiceClient(http, endpoint, credential, "IoT Hub", ApiVersion))
    {
    }

    /// <summary>The device's identity, or null when the hub has none of that id.</summary>
    public async Task<JsonObject?> GetDeviceAsync(string deviceId, CancellationToken ct)
    {
        var (status, body) = await rest.SendAsync(HttpMethod.Get, DevicePath(deviceId), null, null, Read, ct).ConfigureAwait(false);
        return status == HttpStatusCode.NotFound ? null : body;
    }

    /// <summary>
    /// Creates the device (<paramref name="etag"/> null: no If-Match, so an existing id is a 409, never overwritten) or
    /// updates it (If-Match with its ETag, so a change made meanwhile is a 412, not lost). The hub's answer: with the keys
    /// it generated when the device's symmetric keys were null.
    /// </summary>
    public async Task<JsonObject> PutDeviceAsync(JsonObject device, string? etag, CancellationToken ct)
    {
        var id = device["deviceId"]?.GetValue<string>() ?? throw new ArgumentException("the device has no deviceId", nameof(device));
        var (_, body) = await rest.SendAsync(HttpMethod.Put, DevicePath(id), device, etag, Write, ct).ConfigureAwait(false);
        return body ?? throw new IotHubException(200, null, $"IoT Hub answered PUT {DevicePath(id)} with no device");
    }

    /// <summary>Deletes the device (If-Match its ETag, or * for any); false when there was none.</summary>
    public async Task<bool> DeleteDeviceAsync(string deviceId, string etag, CancellationToken ct)
    {
        try
        {
            await rest.SendAsync(HttpMethod.Delete, DevicePath(deviceId), null, etag, Write, ct).ConfigureAwait(false);
            return true;
        }
        catch (IotHubException ex) when (ex.Status == 404)
        {
            return false;
        }
    }

    /// <summary>The device's twin (tags, desired and reported properties), or null when the hub has no such device.</summary>
    public async Task<JsonObject?> GetTwinAsync(string deviceId, CancellationToken ct)
    {
        var (status, body) = await rest.SendAsync(HttpMethod.Get, $"/twins/{Uri.EscapeDataString(deviceId)}", null, null, Twins, ct).ConfigureAwait(false);
        return status == HttpStatusCode.NotFound ? null : body;
    }

    /// <summary>Merges <paramref name="patch"/> ({"tags": {...}}) into the twin, If-Match its ETag.</summary>
    public async Task<JsonObject?> PatchTwinAsync(string deviceId, JsonObject patch, string etag, CancellationToken ct)
    {
        var (_, body) = await rest.SendAsync(HttpMethod.Patch, $"/twins/{Uri.EscapeDataString(deviceId)}", patch, etag, Twins, ct).ConfigureAwait(false);
        return body;
    }

    /// <summary>An automatic deployment (configuration), or null.</summary>
    public async Task<JsonObject?> GetConfigurationAsync(string id, CancellationToken ct)
    {
        var (status, body) = await rest.SendAsync(HttpMethod.Get, ConfigurationPath(id), null, null, Deployments, ct).ConfigureAwait(false);
        return status == HttpStatusCode.NotFound ? null : body;
    }

    /// <summary>Creates (<paramref name="etag"/> null) or updates a deployment; only its labels, metrics, priority and targetCondition may change.</summary>
    public async Task<JsonObject?> PutConfigurationAsync(JsonObject configuration, string? etag, CancellationToken ct)
    {
        var id = configuration["id"]?.GetValue<string>() ?? throw new ArgumentException("the configuration has no id", nameof(configuration));
        var (_, body) = await rest.SendAsync(HttpMethod.Put, ConfigurationPath(id), configuration, etag, Deployments, ct).ConfigureAwait(false);
        return body;
    }

    private static string ConfigurationPath(string id) => $"/configurations/{Uri.EscapeDataString(id)}";

    // The SDK URL-encodes device ids (WebUtility.UrlEncode); Uri.EscapeDataString encodes the same set but for the
    // space (%20, which the hub decodes alike).
    private static string DevicePath(string deviceId) => $"/devices/{Uri.EscapeDataString(deviceId)}";
}
