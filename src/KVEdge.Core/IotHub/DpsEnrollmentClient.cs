using System.Net;
using System.Text.Json.Nodes;

namespace KVEdge.Core.IotHub;

/// <summary>
/// DPS individual enrollments over the service REST API (api-version 2021-10-01: Azure/azure-rest-api-specs
/// deviceprovisioningservices/data-plane stable/2021-10-01/service.json): GET, PUT and DELETE /enrollments/{registrationId},
/// POST /enrollments/{registrationId}/attestationmechanism for the keys.
/// A PUT of an existing id without If-Match is a 409 although the operation is "createOrUpdate"
/// (Azure/azure-iot-sdk-csharp#3076), so a create sends none and an update the enrollment's ETag (stale: 412).
/// Registration ids are case-insensitive: <c>Dev1</c> is <c>dev1</c>.
/// </summary>
public sealed class DpsEnrollmentClient(IotServiceClient rest)
{
    public const string ApiVersion = "2021-10-01";

    private const string Read = "the SAS policy needs EnrollmentRead (provisioningserviceowner has it), or the Entra principal the role Device Provisioning Service Data Reader";
    private const string Write = "the SAS policy needs EnrollmentWrite (provisioningserviceowner has it), or the Entra principal the role Device Provisioning Service Data Contributor";

    public DpsEnrollmentClient(HttpClient http, Uri endpoint, IHubCredential credential)
        : this(new IotServiceClient(http, endpoint, credential, "DPS", ApiVersion))
    {
    }

    /// <summary>The individual enrollment (without its keys: DPS does not return them on a GET), or null.</summary>
    public async Task<JsonObject?> GetEnrollmentAsync(string registrationId, CancellationToken ct)
    {
        var (status, body) = await rest.SendAsync(HttpMethod.Get, EnrollmentPath(registrationId), null, null, Read, ct).ConfigureAwait(false);
        return status == HttpStatusCode.NotFound ? null : body;
    }

    /// <summary>Creates (<paramref name="etag"/> null) or updates the enrollment; DPS's answer, with the keys it generated.</summary>
    public async Task<JsonObject> PutEnrollmentAsync(JsonObject enrollment, string? etag, CancellationToken ct)
    {
        var id = enrollment["registrationId"]?.GetValue<string>() ?? throw new ArgumentException("the enrollment has no registrationId", nameof(enrollment));
        var (_, body) = await rest.SendAsync(HttpMethod.Put, EnrollmentPath(id), enrollment, etag, Write, ct).ConfigureAwait(false);
        return body ?? throw new IotHubException(200, null, $"DPS answered PUT {EnrollmentPath(id)} with no enrollment");
    }

    /// <summary>The enrollment's attestation with its keys (POST attestationmechanism, as the CLI's --show-keys asks).</summary>
    public async Task<JsonObject?> GetAttestationAsync(string registrationId, CancellationToken ct)
    {
        try
        {
            var (_, body) = await rest.SendAsync(HttpMethod.Post, EnrollmentPath(registrationId) + "/attestationmechanism", null, null, Read, ct).ConfigureAwait(false);
            return body;
        }
        catch (IotHubException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    /// <summary>Deletes the enrollment (If-Match its ETag, or *); false when there was none.</summary>
    public async Task<bool> DeleteEnrollmentAsync(string registrationId, string etag, CancellationToken ct)
    {
        try
        {
            await rest.SendAsync(HttpMethod.Delete, EnrollmentPath(registrationId), null, etag, Write, ct).ConfigureAwait(false);
            return true;
        }
        catch (IotHubException ex) when (ex.Status == 404)
        {
            return false;
        }
    }

    private static string EnrollmentPath(string registrationId) => $"/enrollments/{Uri.EscapeDataString(registrationId)}";
}
