using System.Buffers.Text;
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
/// A double of the Entra ID token service for workload identity, as Azure.Identity's WorkloadIdentityCredential calls it
/// (learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow, "Second case: Access token request with
/// a federated credential"): POST /{tenant}/oauth2/v2.0/token with grant_type=client_credentials, client_id, scope
/// (one resource's <c>/.default</c>), client_assertion_type urn:ietf:params:oauth:client-assertion-type:jwt-bearer and
/// the projected service-account token as client_assertion; an unknown client or assertion gets 400 invalid_client
/// (AADSTS700016 / AADSTS70021 in the error description, the errors page learn.microsoft.com/entra/identity-platform/
/// reference-error-codes). The access token is an RS256 JWT with aud (the resource), iss, tid, oid, appid, nbf and exp,
/// as Entra's v1 access tokens for Azure resources carry them (learn.microsoft.com/entra/identity-platform/access-token-claims-reference),
/// which the IoT Hub and DPS doubles check. Test code on 127.0.0.1, not Entra.
/// </summary>
public sealed class EntraDouble : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TestCertificateAuthority _tls = TestCertificateAuthority.Create();
    private readonly RSA _signing = RSA.Create(2048);
    private readonly Dictionary<string, (string Assertion, string PrincipalId)> _federated = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private int _issued;

    private EntraDouble()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0, l => l.UseHttps(_tls.Serving)));
        _app = builder.Build();
        _app.Run(HandleAsync);
    }

    public string TenantId { get; } = "72f988bf-0000-4000-8000-00000000cafe";

    public Uri Url { get; private set; } = null!;

    public TimeProvider Time { get; set; } = TimeProvider.System;

    /// <summary>How long an access token lives (Entra's are 60 to 90 minutes).</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromMinutes(60);

    /// <summary>How many access tokens were issued.</summary>
    public int Issued => Volatile.Read(ref _issued);

    public static async Task<EntraDouble> StartAsync()
    {
        var entra = new EntraDouble();
        await entra._app.StartAsync();
        entra.Url = new Uri(entra._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return entra;
    }

    /// <summary>An application with a federated credential for <paramref name="assertion"/> (the workload's service-account token), signing in as <paramref name="principalId"/>.</summary>
    public void AddWorkloadIdentity(string clientId, string assertion, string principalId)
    {
        lock (_gate)
        {
            _federated[clientId] = (assertion, principalId);
        }
    }

    public HttpMessageHandler TrustingHandler() => new HttpClientHandler
    {
        ServerCertificateCustomValidationCallback = (_, cert, _, _) => cert is not null && cert.Issuer == _tls.Ca.Subject,
    };

    /// <summary>
    /// Checks an access token as a resource does: this service's signature, the audience, the issuer, the time. The
    /// principal (oid), or null with why not.
    /// </summary>
    public string? Verify(string token, string audience, out string? why)
    {
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            why = "not a JWT";
            return null;
        }

        if (!_signing.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), Base64Url.DecodeFromChars(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
        {
            why = "the signature does not match";
            return null;
        }

        var claims = JsonNode.Parse(Base64Url.DecodeFromChars(parts[1]))!.AsObject();
        var now = Time.GetUtcNow().ToUnixTimeSeconds();
        why = claims["aud"]?.GetValue<string>() != audience ? $"the token's audience is not {audience}"
            : claims["iss"]?.GetValue<string>() != Issuer ? "the token's issuer is not the tenant's"
            : claims["exp"]!.GetValue<long>() <= now ? "the token has expired"
            : claims["nbf"]!.GetValue<long>() > now ? "the token is not valid yet"
            : null;
        return why is null ? claims["oid"]!.GetValue<string>() : null;
    }

    private string Issuer => $"https://sts.windows.net/{TenantId}/";

    private async Task HandleAsync(HttpContext context)
    {
        var segments = context.Request.Path.Value?.Split('/', StringSplitOptions.RemoveEmptyEntries) ?? [];
        if (context.Request.Method != "POST" || segments is not [var tenant, "oauth2", "v2.0", "token"] || tenant != TenantId)
        {
            await Answer(context, 404, new JsonObject { ["error"] = "invalid_request", ["error_description"] = "AADSTS90002: Tenant or endpoint not found." });
            return;
        }

        var form = await context.Request.ReadFormAsync();
        string Field(string name) => form[name].ToString();
        (string Assertion, string PrincipalId) app;
        bool known;
        lock (_gate)
        {
            known = _federated.TryGetValue(Field("client_id"), out app);
        }

        if (Field("grant_type") != "client_credentials" || Field("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
        {
            await Answer(context, 400, Error("unsupported_grant_type", "AADSTS70003: The app requested an unsupported grant type."));
            return;
        }

        if (!known)
        {
            await Answer(context, 400, Error("unauthorized_client", $"AADSTS700016: Application with identifier '{Field("client_id")}' was not found in the directory."));
            return;
        }

        if (Field("client_assertion") != app.Assertion)
        {
            await Answer(context, 400, Error("invalid_client", "AADSTS70021: No matching federated identity record found for presented assertion."));
            return;
        }

        var scope = Field("scope").Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(s => s.EndsWith("/.default", StringComparison.Ordinal));
        if (scope is null)
        {
            await Answer(context, 400, Error("invalid_scope", "AADSTS1002012: The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier."));
            return;
        }

        var now = Time.GetUtcNow();
        var header = new JsonObject { ["alg"] = "RS256", ["typ"] = "JWT", ["kid"] = "kvedge-test" };
        var claims = new JsonObject
        {
            ["aud"] = scope[..^"/.default".Length],
            ["iss"] = Issuer,
            ["tid"] = TenantId,
            ["oid"] = app.PrincipalId,
            ["appid"] = Field("client_id"),
            ["iat"] = now.ToUnixTimeSeconds(),
            ["nbf"] = now.ToUnixTimeSeconds(),
            ["exp"] = (now + TokenLifetime).ToUnixTimeSeconds(),
        };
        var signed = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(header.ToJsonString())) + "." + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(claims.ToJsonString()));
        var signature = _signing.SignData(Encoding.ASCII.GetBytes(signed), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        Interlocked.Increment(ref _issued);
        await Answer(context, 200, new JsonObject
        {
            ["token_type"] = "Bearer",
            ["expires_in"] = (int)TokenLifetime.TotalSeconds,
            ["ext_expires_in"] = (int)TokenLifetime.TotalSeconds,
            ["access_token"] = signed + "." + Base64Url.EncodeToString(signature),
        });
    }

    private JsonObject Error(string error, string description) => new()
    {
        ["error"] = error,
        ["error_description"] = $"{description} Trace ID: {Guid.NewGuid()} Correlation ID: {Guid.NewGuid()} Timestamp: {Time.GetUtcNow().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture)}",
        ["error_codes"] = new JsonArray(int.Parse(description[6..description.IndexOf(':', StringComparison.Ordinal)], CultureInfo.InvariantCulture)),
    };

    private static async Task Answer(HttpContext context, int status, JsonObject body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(body.ToJsonString());
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _signing.Dispose();
        _tls.Dispose();
    }
}
