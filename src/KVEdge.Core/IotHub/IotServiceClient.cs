using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using KVEdge.Core.Diagnostics;

namespace KVEdge.Core.IotHub;

/// <summary>
/// The transport IoT Hub's and DPS's service REST APIs share: each request signed by the credential, JSON in and out,
/// an ETag in If-Match quoted as the service SDKs send it (HttpClientHelper.InsertEtag). Throttling (429) and the
/// services' transient failures (500, 503) are retried: after the Retry-After the service gives, else after an
/// exponential backoff from 128 ms with jitter (the service SDK's v2 policy, IotHubServiceExponentialBackoffRetryPolicy.cs),
/// up to <see cref="MaxAttempts"/>; a 401 gets one new token (an expired one is renewed), then is the caller's error,
/// naming the permission the request needs. Errors carry the method, the path and the service's error code only: never
/// the credential, never a body (keys come back in them).
/// </summary>
/// <param name="service">The service's name in messages ("IoT Hub", "DPS").</param>
/// <param name="apiVersion">The api-version every request carries.</param>
public sealed class IotServiceClient(HttpClient http, Uri endpoint, IHubCredential credential, string service, string apiVersion)
{
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>How many times one request is sent at most while the service throttles or fails transiently.</summary>
    public int MaxAttempts { get; init; } = 12;

    /// <summary>The longest wait between two attempts.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Sends one request: the status and the JSON body of a success, or of a GET's 404 (null body); anything else is an
    /// <see cref="IotHubException"/>. <paramref name="permission"/> says what a 401 lacks.
    /// </summary>
    public async Task<(HttpStatusCode Status, JsonObject? Body)> SendAsync(HttpMethod method, string path, JsonObject? content, string? etag, string permission, CancellationToken ct)
    {
        var renewed = false;
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(method, new Uri(endpoint, $"{path}?api-version={apiVersion}"));
            request.Headers.TryAddWithoutValidation("Authorization", await credential.AuthorizationAsync(ct).ConfigureAwait(false));
            if (etag is not null)
            {
                // Quoted, as the SDK sends it (HttpClientHelper.InsertEtag); the hub ignores an unquoted one on some paths.
                request.Headers.TryAddWithoutValidation("If-Match", etag.StartsWith('"') ? etag : $"\"{etag}\"");
            }

            if (content is not null)
            {
                request.Content = new StringContent(content.ToJsonString(), Encoding.UTF8, "application/json");
            }

            using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
            var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            var status = response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return (status, text.Length == 0 ? null : JsonNode.Parse(text) as JsonObject);
            }

            if (status == HttpStatusCode.NotFound && method == HttpMethod.Get)
            {
                return (status, null);
            }

            var code = ErrorCodeOf(response, text);
            if (status == HttpStatusCode.Unauthorized && !renewed)
            {
                renewed = true;
                credential.Refused();
                continue;
            }

            if (status is HttpStatusCode.TooManyRequests or HttpStatusCode.InternalServerError or HttpStatusCode.ServiceUnavailable
                && attempt < MaxAttempts)
            {
                await Task.Delay(DelayOf(response, attempt), Time, ct).ConfigureAwait(false);
                continue;
            }

            throw new IotHubException((int)status, code, Describe(method, path, status, code, permission));
        }
    }

    private TimeSpan DelayOf(HttpResponseMessage response, int attempt)
    {
        var delay = response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - Time.GetUtcNow(),
            _ => TimeSpan.FromMilliseconds(Math.Pow(2, attempt + 6) * (0.95 + (Random.Shared.NextDouble() * 0.1))),
        };
        return delay < TimeSpan.Zero ? TimeSpan.Zero : delay > MaxDelay ? MaxDelay : delay;
    }

    private string Describe(HttpMethod method, string path, HttpStatusCode status, string? code, string permission)
    {
        var what = $"{service} refused {method} {DisplayText.Escape(path)}: {(int)status}{(code is null ? "" : $" {DisplayText.Escape(code)}")}";
        return status switch
        {
            HttpStatusCode.Unauthorized => $"{what} (not authorized: {permission}; an expired token was renewed once)",
            HttpStatusCode.Conflict => $"{what} (one of that id exists already)",
            HttpStatusCode.PreconditionFailed => $"{what} (it changed since it was read)",
            HttpStatusCode.TooManyRequests => $"{what} (still throttled after the retries)",
            _ => what,
        };
    }

    // The error's code: the iothub-errorcode header (DPS: x-ms-error-code), else the body's "ErrorCode:NAME;..." or its errorCode number, in
    // any of the hub's three shapes (SDKv2 ServiceExceptionHandlingHelper.cs). Bounded: it goes into a message.
    private static string? ErrorCodeOf(HttpResponseMessage response, string body)
    {
        foreach (var name in new[] { "iothub-errorcode", "x-ms-error-code" })
        {
            if (response.Headers.TryGetValues(name, out var values) && values.FirstOrDefault() is { Length: > 0 } header)
            {
                return Bounded(header);
            }
        }

        try
        {
            if (JsonNode.Parse(body) is not JsonObject error)
            {
                return null;
            }

            if (error["errorCode"] is JsonValue number)
            {
                return Bounded(number.ToJsonString());
            }

            var message = error["Message"];
            if (message is JsonObject inner && inner["errorCode"] is JsonValue innerNumber)
            {
                return Bounded(innerNumber.ToJsonString());
            }

            if (message is JsonValue value && value.TryGetValue<string>(out var text))
            {
                if (text.StartsWith("ErrorCode:", StringComparison.Ordinal))
                {
                    var end = text.IndexOf(';', StringComparison.Ordinal);
                    return Bounded(end < 0 ? text["ErrorCode:".Length..] : text["ErrorCode:".Length..end]);
                }

                if (JsonNode.Parse(text) is JsonObject escaped && escaped["errorCode"] is JsonValue escapedNumber)
                {
                    return Bounded(escapedNumber.ToJsonString());
                }
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }

    private static string Bounded(string code)
    {
        var kept = new string([.. code.Where(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_').Take(40)]);
        return kept.Length == 0 ? "(unreadable)" : kept;
    }
}
