using System.Net;
using System.Text.Json.Nodes;

namespace KVEdge.Core.IotHub;

/// <summary>
/// IoT Hub's device identity registry over its REST API (api-version 2021-04-12: Azure/azure-iot-sdk-csharp main,
/// ClientApiVersionHelper.cs), as the service SDK's RegistryManager calls it: GET and PUT /devices/{id}, a create with no
/// If-Match (an existing id: 409), an update with the device's ETag in If-Match (a stale one: 412).
/// </summary>
public sealed class IotHubRegistryClient(IotServiceClient rest)
{
    public const string ApiVersion = "2021-04-12";

    private const string Read = "the SAS policy needs RegistryRead (registryRead has it), or the Entra principal the role IoT Hub Registry Contributor";
    private const string Write = "the SAS policy needs RegistryWrite (registryReadWrite has it), or the Entra principal the role IoT Hub Registry Contributor";

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

    // The SDK URL-encodes device ids (WebUtility.UrlEncode); Uri.EscapeDataString encodes the same set but for the
    // space (%20, which the hub decodes alike).
    private static string DevicePath(string deviceId) => $"/devices/{Uri.EscapeDataString(deviceId)}";
}
