using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KVEdge.Testing.ApiServer;

/// <summary>
/// What the doubles of IoT Hub (<see cref="IotHubDouble"/>) and DPS (<see cref="DpsDouble"/>) share, as the services
/// share it (../shared/reference/iothub-dps-rest.md §1, §5, §7): HTTPS on 127.0.0.1; the required api-version; service
/// SAS tokens checked as the services check them (fields in any order, the HMAC over <c>sr</c> as sent and the expiry,
/// the host as the resource, a known policy with the right; anything else 401: learn authenticate-authorization-sas,
/// iot-dps how-to-control-access); or an Entra access token from a trusted <see cref="EntraDouble"/>: its signature,
/// audience, issuer and time, then the built-in roles assigned to its principal, each request needing its data actions
/// (learn iot-hub/authenticate-authorize-azure-ad; a missing role is a 401 IotHubUnauthorized naming the principal,
/// Azure/azure-iot-sdk-csharp#3344); throttling by a token bucket (429, with a Retry-After only when
/// <see cref="SendRetryAfter"/>: no source shows the hub sending one). Test code, not Azure.
/// </summary>
public abstract class SasServiceDouble : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TestCertificateAuthority _tls = TestCertificateAuthority.Create();
    private readonly Dictionary<string, (string Key, string[] Rights)> _policies = new(StringComparer.Ordinal);
    private readonly List<string> _log = [];
    private readonly Dictionary<string, List<string>> _roles = new(StringComparer.Ordinal);
    private EntraDouble? _entra;
    private double _tokens = -1;
    private DateTimeOffset _refilled;

    protected Lock Gate { get; } = new();

    /// <summary>The service's host name: what a service token's <c>sr</c> must be.</summary>
    public string HostName { get; }

    public Uri Url { get; private set; } = null!;

    public string CaPem => _tls.CaPem;

    public TimeProvider Time { get; set; } = TimeProvider.System;

    /// <summary>Operations a minute before 429s.</summary>
    public int OperationsPerMinute { get; set; }

    /// <summary>How many operations the bucket holds (a burst); by default a minute's worth.</summary>
    public int? Burst { get; set; }

    /// <summary>Whether errors carry the service's error-code header (off: only the body says the code).</summary>
    public bool SendErrorCodeHeader { get; set; } = true;

    /// <summary>Whether a 429 carries Retry-After (seconds).</summary>
    public TimeSpan? SendRetryAfter { get; set; }

    /// <summary>Each request as the service saw it ("PUT /devices/x 200"), without headers or bodies.</summary>
    public IReadOnlyList<string> Log
    {
        get
        {
            lock (Gate)
            {
                return [.. _log];
            }
        }
    }

    /// <summary>The writes the service accepted: PUT, PATCH and DELETE answered 2xx (a POST that reads is not one).</summary>
    public int Writes => Log.Count(l => l.Split(' ') is [("PUT" or "PATCH" or "DELETE"), _, var status] && status.StartsWith('2'));

    protected abstract string ApiVersion { get; }

    /// <summary>The name of the header that carries the error code (hub: iothub-errorcode; DPS: x-ms-error-code).</summary>
    protected abstract string ErrorCodeHeader { get; }

    protected SasServiceDouble(string hostName, int operationsPerMinute)
    {
        HostName = hostName;
        OperationsPerMinute = operationsPerMinute;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0, l => l.UseHttps(_tls.Serving)));
        _app = builder.Build();
        _app.Run(HandleAsync);
    }

    protected async Task ListenAsync()
    {
        await _app.StartAsync();
        Url = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    /// <summary>A shared access policy: its name, its key (base64) and its rights.</summary>
    public void AddPolicy(string name, string keyBase64, params string[] rights)
    {
        lock (Gate)
        {
            _policies[name] = (keyBase64, rights);
        }
    }

    public HttpMessageHandler TrustingHandler() => new HttpClientHandler
    {
        ServerCertificateCustomValidationCallback = (_, cert, _, _) => cert is not null && cert.Issuer == _tls.Ca.Subject,
    };

    /// <summary>The collection the double serves: <c>devices</c>, <c>enrollments</c>.</summary>
    protected abstract string Collection { get; }

    /// <summary>The item of that id as a GET answers it, or null (404). Called under <see cref="Gate"/>.</summary>
    protected abstract JsonObject? Read(string id);

    /// <summary>A PUT of the item, its body already parsed; its id's field checked by the caller. Called under <see cref="Gate"/>.</summary>
    protected abstract Answer Write(string id, JsonObject sent, string ifMatch);

    /// <summary>The body field that names the item (deviceId, registrationId) and how ids compare.</summary>
    protected abstract (string Field, StringComparison Comparison) IdOf { get; }

    /// <summary>Deletes the item (DELETE /{Collection}/{id}); null when the double serves no DELETE. Called under <see cref="Gate"/>.</summary>
    protected virtual Answer? Delete(string id, string ifMatch) => null;

    /// <summary>
    /// Any other request the double serves (twins, configurations, attestationmechanism), or null for a 404. Called
    /// under <see cref="Gate"/>.
    /// </summary>
    protected virtual Answer? Route(string method, string[] segments, JsonObject? body, string ifMatch) => null;

    // GET, PUT and DELETE /{Collection}/{id}, as both services route them; anything else through Route.
    private async Task<Answer> AnswerAsync(HttpRequest request)
    {
        var segments = request.Path.Value?.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray() ?? [];
        var ifMatch = request.Headers.IfMatch.ToString();
        JsonObject? sent = null;
        if (request.Method is "PUT" or "PATCH" or "POST")
        {
            using var reader = new StreamReader(request.Body);
            var text = await reader.ReadToEndAsync();
            try
            {
                sent = text.Length == 0 ? null : JsonNode.Parse(text) as JsonObject;
            }
            catch (System.Text.Json.JsonException)
            {
                return Refusal(400, "ArgumentInvalid", 400004, "the body is not JSON");
            }
        }

        if (segments.Length != 2 || segments[0] != Collection)
        {
            lock (Gate)
            {
                return Route(request.Method, segments, sent, ifMatch) ?? Refusal(404, "NotFound", 404000, "no such resource in this double");
            }
        }

        var id = segments[1];
        lock (Gate)
        {
            switch (request.Method)
            {
                case "GET":
                    return Read(id) is { } item ? new Answer(200, null, item) : Refusal(404, "NotFound", 404001, $"{id} not found");
                case "DELETE":
                    return Delete(id, ifMatch) ?? Refusal(405, "MethodNotAllowed", 405000, "method not allowed");
                case "PUT":
                    return sent is null || !string.Equals(sent[IdOf.Field]?.GetValue<string>(), id, IdOf.Comparison)
                        ? Refusal(400, "ArgumentInvalid", 400004, $"the body is not an item of this {IdOf.Field}")
                        : Write(id, sent, ifMatch);
                default:
                    return Refusal(405, "MethodNotAllowed", 405000, "method not allowed");
            }
        }
    }

    /// <summary>The policy rights a request needs, every one of them (the service's documentation).</summary>
    protected abstract string[] RightsFor(string method, string[] segments);

    /// <summary>An error in the service's own shape.</summary>
    protected abstract Answer Refusal(int status, string name, int number, string text);

    protected sealed record Answer(int Status, string? Code, JsonObject? Body);

    /// <summary>
    /// The create/update rule both services apply: no If-Match on an existing id is a 409 (for DPS too, although its
    /// PUT is "createOrUpdate": Azure/azure-iot-sdk-csharp#3076), an If-Match on a missing id a 404, a stale one a 412;
    /// <c>*</c> matches, quoted or not (the SDK sends it quoted). Null: the write may go on.
    /// </summary>
    protected Answer? ETagCheck(string ifMatch, string? etag, bool exists, string conflictName, int conflictNumber, string conflictText, string missingName, int missingNumber) =>
        ifMatch.Length == 0 && exists ? Refusal(409, conflictName, conflictNumber, conflictText)
        : ifMatch.Length > 0 && !exists ? Refusal(404, missingName, missingNumber, "not found")
        : StaleETag(ifMatch, etag);

    /// <summary>
    /// An If-Match on an existing item that names another ETag: the 412 every write, update and delete of both services
    /// answers; <c>*</c> matches, quoted or not. Null: it matches, or none was sent.
    /// </summary>
    protected Answer? StaleETag(string ifMatch, string? etag) =>
        ifMatch.Length > 0 && ifMatch is not ("*" or "\"*\"") && ifMatch != $"\"{etag}\""
            ? Refusal(412, "PreconditionFailed", 412001, "Precondition failed: the etag does not match")
            : null;

    protected string TrackingId() => $"{Guid.NewGuid():N}-G:0-TimeStamp:{Time.GetUtcNow():MM/dd/yyyy HH:mm:ss}";

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var answer = request.Query["api-version"].ToString() != ApiVersion
            // The services answer 400; the body's words are inferred (iothub-dps-rest.md §7).
            ? Refusal(400, "InvalidProtocolVersion", 400001, "the api-version query parameter is missing or not supported")
            : Authorization(request) is { } refused
                ? refused
                : !Take()
                    ? Refusal(429, "ThrottlingBacklogTimeout", 429003, "The request has been throttled. Wait 10 seconds and try again. Operation type: CRUD")
                    : await AnswerAsync(request);
        lock (Gate)
        {
            _log.Add($"{request.Method} {request.Path} {answer.Status}");
        }

        context.Response.StatusCode = answer.Status;
        if (answer.Code is not null && SendErrorCodeHeader)
        {
            context.Response.Headers[ErrorCodeHeader] = answer.Code;
        }

        if (answer.Status == 429 && SendRetryAfter is { } after)
        {
            context.Response.Headers.RetryAfter = ((int)Math.Ceiling(after.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }

        if (answer.Body is not null)
        {
            context.Response.ContentType = "application/json; charset=utf-8";
            await context.Response.WriteAsync(answer.Body.ToJsonString());
        }
    }

    // A service SAS token (its policy's rights), or an Entra access token (its principal's roles' data actions).
    private Answer? Authorization(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        var segments = request.Path.Value?.Split('/', StringSplitOptions.RemoveEmptyEntries) ?? [];
        if (!header.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            return Authorize(header, RightsFor(request.Method, segments)) is { } refused ? Refusal(401, "IotHubUnauthorizedAccess", 401002, refused) : null;
        }

        EntraDouble? entra;
        lock (Gate)
        {
            entra = _entra;
        }

        string? why = "Entra ID is not trusted here";
        if (entra?.Verify(header["Bearer ".Length..], EntraAudience, out why) is not { } principal)
        {
            return Refusal(401, "IotHubUnauthorized", 401003, $"ErrorCode:IotHubUnauthorized;{why}");
        }

        var actions = DataActionsFor(request.Method, segments);
        string[] patterns;
        lock (Gate)
        {
            patterns = [.. (_roles.GetValueOrDefault(principal) ?? []).SelectMany(r => EntraRoles.TryGetValue(r, out var p) ? p : [])];
        }

        // Every data action the request needs, each allowed by some role: "X/*" allows what is under X, "*/read" every read.
        bool Allowed(string action) => patterns.Any(p =>
            p.EndsWith("/*", StringComparison.Ordinal) ? action.StartsWith(p[..^1], StringComparison.Ordinal)
            : p.StartsWith("*/", StringComparison.Ordinal) ? action.EndsWith(p[1..], StringComparison.Ordinal)
            : p == action);
        return actions.All(Allowed)
            ? null
            : Refusal(401, "IotHubUnauthorized", 401003,
                $"ErrorCode:IotHubUnauthorized;Principal {principal} is not authorized for {request.Method} on {request.Path} due to no assigned permissions");
    }

    /// <summary>Trusts the access tokens of <paramref name="entra"/> (the resource's Entra tenant).</summary>
    public void TrustEntra(EntraDouble entra)
    {
        lock (Gate)
        {
            _entra = entra;
        }
    }

    /// <summary>A built-in data-plane role assigned to a principal (object id) on this resource.</summary>
    public void AssignRole(string principalId, string role)
    {
        if (!EntraRoles.ContainsKey(role))
        {
            throw new ArgumentException($"no built-in role {role} for this service", nameof(role));
        }

        lock (Gate)
        {
            if (!_roles.TryGetValue(principalId, out var roles))
            {
                _roles[principalId] = roles = [];
            }

            roles.Add(role);
        }
    }

    /// <summary>The audience an Entra token for this service carries (its scope without /.default).</summary>
    protected abstract string EntraAudience { get; }

    /// <summary>The built-in data-plane roles and the data actions each allows (patterns with *).</summary>
    protected abstract IReadOnlyDictionary<string, string[]> EntraRoles { get; }

    /// <summary>The data actions a request needs, every one of them.</summary>
    protected abstract string[] DataActionsFor(string method, string[] segments);

    private string? Authorize(string header, string[] rights)
    {
        const string Prefix = "SharedAccessSignature ";
        if (!header.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return "no SharedAccessSignature";
        }

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in header[Prefix.Length..].Split('&'))
        {
            var kv = pair.Split('=', 2);
            if (kv.Length == 2)
            {
                fields[kv[0]] = kv[1];
            }
        }

        if (!fields.TryGetValue("sr", out var sr) || !fields.TryGetValue("sig", out var sig) || !fields.TryGetValue("se", out var se)
            || !fields.TryGetValue("skn", out var skn) || !long.TryParse(se, NumberStyles.None, CultureInfo.InvariantCulture, out var expiry))
        {
            return "a field is missing";
        }

        (string Key, string[] Rights) policy;
        lock (Gate)
        {
            if (!_policies.TryGetValue(WebUtility.UrlDecode(skn), out policy))
            {
                return "unknown policy";
            }
        }

        var resource = WebUtility.UrlDecode(sr);
        if (!string.Equals(resource, HostName, StringComparison.OrdinalIgnoreCase) && !resource.StartsWith(HostName + "/", StringComparison.OrdinalIgnoreCase))
        {
            return "the token is for another resource";
        }

        if (DateTimeOffset.FromUnixTimeSeconds(expiry) <= Time.GetUtcNow())
        {
            return "the token has expired";
        }

        var expected = HMACSHA256.HashData(Convert.FromBase64String(policy.Key), Encoding.UTF8.GetBytes($"{sr}\n{se}"));
        byte[] given;
        try
        {
            given = Convert.FromBase64String(WebUtility.UrlDecode(sig));
        }
        catch (FormatException)
        {
            return "the signature is not base64";
        }

        if (!CryptographicOperations.FixedTimeEquals(expected, given))
        {
            return "the signature does not match";
        }

        return rights.FirstOrDefault(r => !policy.Rights.Contains(r, StringComparer.Ordinal)) is { } missing ? $"the policy has no {missing}" : null;
    }

    private bool Take()
    {
        lock (Gate)
        {
            var now = Time.GetUtcNow();
            if (_tokens < 0)
            {
                // The first request finds the bucket full, whatever Burst was set to after the start.
                _tokens = Burst ?? OperationsPerMinute;
                _refilled = now;
            }

            _tokens = Math.Min(Burst ?? OperationsPerMinute, _tokens + ((now - _refilled).TotalMinutes * OperationsPerMinute));
            _refilled = now;
            if (_tokens < 1)
            {
                return false;
            }

            _tokens -= 1;
            return true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _tls.Dispose();
        GC.SuppressFinalize(this);
    }
}
