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
/// DELETE /enrollments/{id} (a stale If-Match: 412) and POST /enrollments/{id}/attestationmechanism (the keys). A tpm
/// attestation without its endorsementKey (required in the TpmAttestation model): 400.
/// Entra tokens as <see cref="SasServiceDouble"/> checks them, with DPS's (preview) roles; DPS's own words for a 401
/// to a token are not documented (⚠), the hub's are used. Not modelled yet: enrollment groups, bulk, registrations.
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

    // Entra (preview for DPS: learn.microsoft.com/azure/iot-dps/concepts-control-access-dps-azure-ad): the audience of
    // https://azure-devices-provisioning.net/.default; Data Contributor over everything, Data Reader over reads; the
    // attestation mechanism's keys as a read (inferred, ⚠ in the notes).
    protected override string EntraAudience => "https://azure-devices-provisioning.net";

    protected override IReadOnlyDictionary<string, string[]> EntraRoles { get; } = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["Device Provisioning Service Data Contributor"] = ["Microsoft.Devices/provisioningServices/*"],
        ["Device Provisioning Service Data Reader"] = ["*/read"],
    };

    protected override string[] DataActionsFor(string method, string[] segments) =>
        [$"Microsoft.Devices/provisioningServices/{segments.FirstOrDefault()}/{(method == "GET" || segments is [_, _, "attestationmechanism"] ? "read" : method == "DELETE" ? "delete" : "write")}"];

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

        // TpmAttestation's endorsementKey is required (service.json, TpmAttestation), the EK's public part in base64;
        // the public key is no secret and a GET returns it.
        if (sent["attestation"]!["type"]!.GetValue<string>() == "tpm" && !IsBase64(sent["attestation"]!["tpm"]?["endorsementKey"]))
        {
            return Refusal(400, "BadRequest", 400004, "a tpm attestation needs tpm.endorsementKey, the endorsement key in base64");
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

    private static bool IsBase64(JsonNode? value)
    {
        var text = value is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        return text is { Length: > 0 } && Convert.TryFromBase64String(text, new byte[text.Length], out _);
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
