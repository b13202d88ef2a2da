using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace KVEdge.Testing.ApiServer;

/// <summary>
/// A double of the Device Provisioning Service's individual enrollments, as unkind as the documented service (facts and
/// sources: ../shared/reference/iothub-dps-rest.md §4, §5, §7; what all the doubles share: <see cref="SasServiceDouble"/>):
/// <list type="bullet">
/// <item>api-version 2021-10-01 (azure-rest-api-specs deviceprovisioningservices stable/2021-10-01/service.json); rights
/// EnrollmentRead for a GET, EnrollmentWrite for a PUT (iot-dps how-to-control-access).</item>
/// <item>PUT /enrollments/{id} of an existing id without If-Match: 409, although the operation is "createOrUpdate"
/// (Azure/azure-iot-sdk-csharp#3076); a stale If-Match: 412; registration ids case-insensitive.</item>
/// <item>An attestation's symmetric keys generated when omitted (64 bytes) and returned from that PUT only; a GET does
/// not return them (the CLI asks attestationmechanism for them; inferred, ⚠ in the notes).</item>
/// <item>1,000 operations a minute (iot-dps limits, 2024-03), then 429; errors as
/// {errorCode, trackingId, message, timestampUtc} with the x-ms-error-code header (SDKv2 ErrorResponse.cs).</item>
/// </list>
/// DELETE /enrollments/{id} (a stale If-Match: 412) and POST /enrollments/{id}/attestationmechanism (the keys).
/// Not modelled yet: enrollment groups, bulk, registrations, Entra tokens.
/// </summary>
public sealed class DpsDouble : SasServiceDouble
{
    private readonly Dictionary<string, JsonObject> _enrollments = new(StringComparer.OrdinalIgnoreCase);
    private long _etag;

    private DpsDouble(string hostName)
        : base(hostName, 1000)
    {
    }

    protected override string ApiVersion => "2021-10-01";

    protected override string ErrorCodeHeader => "x-ms-error-code";

    public static async Task<DpsDouble> StartAsync(string hostName = "dps-1.azure-devices-provisioning.net")
    {
        var dps = new DpsDouble(hostName);
        await dps.ListenAsync();
        return dps;
    }

    /// <summary>An enrollment as DPS holds it (a copy, with its keys), or null.</summary>
    public JsonObject? Enrollment(string registrationId)
    {
        lock (Gate)
        {
            return _enrollments.TryGetValue(registrationId, out var enrollment) ? enrollment.DeepClone().AsObject() : null;
        }
    }

    // attestationmechanism is a POST that reads (it returns the keys): EnrollmentRead, as a GET (inferred, ⚠ in the notes).
    protected override string[] RightsFor(string method, string[] segments) =>
        method == "GET" || segments is [_, _, "attestationmechanism"] ? ["EnrollmentRead"] : ["EnrollmentWrite"];

    protected override Answer? Delete(string id, string ifMatch)
    {
        if (!_enrollments.TryGetValue(id, out var existing))
        {
            return Refusal(404, "EnrollmentNotFound", 404201, $"Enrollment {id} not found.");
        }

        if (StaleETag(ifMatch, existing["etag"]?.GetValue<string>()) is { } stale)
        {
            return stale;
        }

        _enrollments.Remove(id);
        return new Answer(204, null, null);
    }

    // POST /enrollments/{id}/attestationmechanism: the attestation with its keys (how the CLI's --show-keys gets them).
    protected override Answer? Route(string method, string[] segments, JsonObject? body, string ifMatch) => segments switch
    {
        ["enrollments", var id, "attestationmechanism"] when method == "POST" => _enrollments.TryGetValue(id, out var e)
            ? new Answer(200, null, e["attestation"]!.DeepClone().AsObject())
            : Refusal(404, "EnrollmentNotFound", 404201, $"Enrollment {id} not found."),
        _ => null,
    };

    protected override string Collection => "enrollments";

    protected override (string Field, StringComparison Comparison) IdOf => ("registrationId", StringComparison.OrdinalIgnoreCase);

    protected override JsonObject? Read(string id) => _enrollments.TryGetValue(id, out var enrollment) ? WithoutKeys(enrollment) : null;

    protected override Answer Write(string id, JsonObject sent, string ifMatch)
    {
        if (sent["attestation"]?["type"] is null)
        {
            return Refusal(400, "BadRequest", 400004, "the enrollment has no attestation");
        }

        _enrollments.TryGetValue(id, out var existing);
        if (ETagCheck(ifMatch, existing?["etag"]?.GetValue<string>(), existing is not null, "Conflict", 409201, $"Enrollment {id} already exists.", "EnrollmentNotFound", 404201) is { } refused)
        {
            return refused;
        }

        sent["etag"] = Convert.ToBase64String(Encoding.ASCII.GetBytes((++_etag).ToString(CultureInfo.InvariantCulture)));
        sent["capabilities"] ??= new JsonObject { ["iotEdge"] = false };
        sent["provisioningStatus"] ??= "enabled";
        if (sent["attestation"]!["type"]!.GetValue<string>() == "symmetricKey")
        {
            var keys = sent["attestation"]!["symmetricKey"] as JsonObject ?? [];
            keys["primaryKey"] ??= Convert.ToBase64String(RandomNumberGenerator.GetBytes(64));
            keys["secondaryKey"] ??= Convert.ToBase64String(RandomNumberGenerator.GetBytes(64));
            sent["attestation"]!["symmetricKey"] = keys;
        }

        _enrollments[id] = sent;
        return new Answer(200, null, sent.DeepClone().AsObject());
    }

    private static JsonObject WithoutKeys(JsonObject enrollment)
    {
        var copy = enrollment.DeepClone().AsObject();
        if (copy["attestation"]?["symmetricKey"] is JsonObject keys)
        {
            keys["primaryKey"] = null;
            keys["secondaryKey"] = null;
        }

        return copy;
    }

    protected override Answer Refusal(int status, string name, int number, string text) => new(status, number.ToString(CultureInfo.InvariantCulture), new JsonObject
    {
        ["errorCode"] = number,
        ["trackingId"] = TrackingId(),
        ["message"] = text,
        ["timestampUtc"] = Time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture),
    });
}
