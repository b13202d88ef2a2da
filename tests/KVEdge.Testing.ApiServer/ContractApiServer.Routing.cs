using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace KVEdge.Testing.ApiServer;

/// <summary>The request pipeline: authentication, fault injection, recording, and the routing of a request to its handler.</summary>
public sealed partial class ContractApiServer
{
    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var query = request.QueryString.Value ?? "";
        var recorded = new RecordedRequest(Interlocked.Increment(ref _requestCount) - 1, request.Method, request.Path.Value ?? "", query,
            request.Query["dryRun"].ToString() == "All");
        _requests.Enqueue(recorded);

        switch (Faults.Next(recorded))
        {
            case Fault.Drop:
                context.Abort();
                return;
            case Fault.Status status:
                await WriteAsync(context, status.Code, new ApiError(status.Code, status.Reason, $"injected fault: {(int)status.Code}").ToStatus());
                return;
            case Fault.Throttle throttle:
                context.Response.Headers.RetryAfter = throttle.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                await WriteAsync(context, HttpStatusCode.TooManyRequests,
                    new ApiError(HttpStatusCode.TooManyRequests, "TooManyRequests", "the server has received too many requests and has asked us to try again later").ToStatus());
                return;
            case Fault.Latency latency:
                await Task.Delay(latency.Delay, context.RequestAborted);
                break;
            case Fault.CutList cut:
                CutListAfter.Value = cut.AfterItems;
                break;
            default:
                CutListAfter.Value = null;
                break;
        }

        // Authentication (https://kubernetes.io/docs/reference/access-authn-authz/authentication/#putting-a-bearer-token-in-a-request).
        var bearer = request.Headers.Authorization.ToString();
        ServiceAccountGrant? account = null;
        if (bearer != $"Bearer {Token}" && !(bearer.StartsWith("Bearer ", StringComparison.Ordinal) && ServiceAccounts.TryGetValue(bearer["Bearer ".Length..], out account)))
        {
            await WriteAsync(context, HttpStatusCode.Unauthorized, new ApiError(HttpStatusCode.Unauthorized, "Unauthorized", "Unauthorized").ToStatus());
            return;
        }

        Caller.Value = account;

        try
        {
            await RouteAsync(context);
        }
        catch (ApiError error)
        {
            await WriteAsync(context, error.Code, error.ToStatus());
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A bug in this test server: say so loudly rather than look like an injected fault.
            await WriteAsync(context, HttpStatusCode.InternalServerError,
                new ApiError(HttpStatusCode.InternalServerError, "ContractServerBug", ex.ToString()).ToStatus());
        }
    }

    private async Task RouteAsync(HttpContext context)
    {
        var segments = (context.Request.Path.Value ?? "").Trim('/').Split('/');
        if (segments is ["version"])
        {
            await WriteAsync(context, HttpStatusCode.OK, new JsonObject { ["major"] = "1", ["minor"] = "35", ["gitVersion"] = "v1.35.0-contract" });
            return;
        }

        if (Discovery.Answer(segments, UnservedGroups, Url, Types, _customResources.Values) is { } discovery)
        {
            await WriteAsync(context, HttpStatusCode.OK, discovery);
            return;
        }

        if (segments is ["apis", "authorization.k8s.io", "v1", "selfsubjectaccessreviews"] && context.Request.Method == "POST")
        {
            await AccessReviewAsync(context);
            return;
        }

        string group, version;
        int rest;
        if (segments.Length >= 2 && segments[0] == "api")
        {
            (group, version, rest) = ("", segments[1], 2);
        }
        else if (segments.Length >= 3 && segments[0] == "apis")
        {
            (group, version, rest) = (segments[1], segments[2], 3);
        }
        else
        {
            throw new ApiError(HttpStatusCode.NotFound, "NotFound", "the server could not find the requested resource");
        }

        string? ns = null;
        if (segments.Length > rest + 1 && segments[rest] == "namespaces" && segments.Length > rest + 2)
        {
            ns = segments[rest + 1];
            rest += 2;
        }

        if (segments.Length <= rest)
        {
            throw new ApiError(HttpStatusCode.NotFound, "NotFound", "the server could not find the requested resource");
        }

        var plural = segments[rest];
        var name = segments.Length > rest + 1 ? segments[rest + 1] : null;
        var subresource = segments.Length > rest + 2 ? segments[rest + 2] : null;

        if (UnservedGroups.Contains(group) || (group == "subresources.kubevirt.io" && UnservedGroups.Contains("kubevirt.io")))
        {
            throw new ApiError(HttpStatusCode.NotFound, "NotFound", "the server could not find the requested resource");
        }

        if (group == "subresources.kubevirt.io" && plural is "virtualmachineinstances" or "virtualmachines" && name is not null && subresource == "portforward")
        {
            Authorize("get", plural == "virtualmachines" ? ResourceType.VirtualMachine : ResourceType.VirtualMachineInstance, ns, subresource, name, group);
            await PortForwardAsync(context, ns!, name, segments.Length > rest + 3 ? segments[rest + 3] : null, segments.Length > rest + 4 ? segments[rest + 4] : "tcp");
            return;
        }

        if (group == "subresources.kubevirt.io" && plural == "virtualmachines" && name is not null && subresource is "restart" or "start" or "stop")
        {
            Authorize("update", ResourceType.VirtualMachine, ns, subresource, name, group);
            await VmActionAsync(context, ns!, name, subresource!);
            return;
        }

        var type = FindType(group, version, plural)
            ?? throw new ApiError(HttpStatusCode.NotFound, "NotFound", $"the server could not find the requested resource ({group}/{version} {plural})");
        if (type.Namespaced && ns is null && name is not null)
        {
            throw new ApiError(HttpStatusCode.NotFound, "NotFound", "the server could not find the requested resource");
        }

        var method = context.Request.Method;
        var q = context.Request.Query;
        var verb = (method, name) switch
        {
            ("GET", null) => q["watch"] is ["true"] or ["1"] ? "watch" : "list",
            ("GET", _) => "get",
            ("POST", _) => "create",
            ("PUT", _) => "update",
            ("PATCH", _) => "patch",
            ("DELETE", _) => "delete",
            _ => method.ToLowerInvariant(),
        };
        Authorize(verb, type, ns, subresource, name);
        CurrentFieldValidation.Value = method is "POST" or "PUT" or "PATCH" ? FieldValidation(context) : null;
        ResponseWarnings.Value = [];
        // dryRun takes only "All" (https://kubernetes.io/docs/reference/using-api/api-concepts/#dry-run); anything else is a 400.
        if (q["dryRun"] is { Count: > 0 } dryRunValues && dryRunValues.Any(v => v != "All"))
        {
            throw ApiError.BadRequest($"dryRun: Unsupported value: \"{dryRunValues}\": supported values: \"All\"");
        }

        var dryRun = q["dryRun"].ToString() == "All";
        switch (method, name, subresource)
        {
            case ("GET", null, _) when q["watch"] is ["true"] or ["1"]:
                await WatchAsync(context, type, ns);
                break;
            case ("GET", _, _) when WantsTable(context) && CustomOf(type) is { } custom:
                await WriteAsync(context, HttpStatusCode.OK, Table(custom, name is null
                    ? Store.List(type, ns).Where(Selectors.Parse(q["labelSelector"], q["fieldSelector"])).ToList()
                    : [Store.Read(type, ns, name) ?? throw ApiError.NotFound(type, name)]));
                break;
            case ("GET", null, _):
                await WriteListAsync(context, type, ns, q["labelSelector"], q["fieldSelector"]);
                break;
            case ("GET", not null, _):
                await WriteAsync(context, HttpStatusCode.OK, Store.Read(type, ns, name) ?? throw ApiError.NotFound(type, name));
                break;
            case ("POST", null, _):
                var created = Create(type, ns, await ReadBodyAsync(context), q["fieldManager"].ToString(), dryRun);
                await WriteAsync(context, HttpStatusCode.Created, created);
                break;
            case ("PUT", not null, _):
                await WriteAsync(context, HttpStatusCode.OK, Update(type, ns, name, await ReadBodyAsync(context), q["fieldManager"].ToString(), subresource == "status", dryRun));
                break;
            case ("PATCH", not null, _) when context.Request.ContentType?.StartsWith("application/apply-patch", StringComparison.Ordinal) == true:
                var (applied, wasCreated) = Apply(type, ns, name, await ReadBodyAsync(context), q["fieldManager"].ToString(),
                    q["force"].ToString() == "true", subresource == "status", dryRun);
                await WriteAsync(context, wasCreated ? HttpStatusCode.Created : HttpStatusCode.OK, applied);
                break;
            case ("PATCH", not null, _) when context.Request.ContentType?.StartsWith("application/merge-patch+json", StringComparison.Ordinal) == true:
                await WriteAsync(context, HttpStatusCode.OK, MergePatch(type, ns, name, await ReadBodyAsync(context), q["fieldManager"].ToString(), subresource == "status", dryRun));
                break;
            case ("DELETE", not null, null):
                await WriteAsync(context, HttpStatusCode.OK, Delete(type, ns, name, dryRun, q["propagationPolicy"].ToString()));
                break;
            default:
                throw new ApiError(HttpStatusCode.MethodNotAllowed, "MethodNotAllowed", $"{method} is not supported on {type.Key}");
        }
    }

    // Content types (apiserver handlers/patch.go and negotiation): JSON bodies; YAML for an apply patch
    // (application/apply-patch+yaml may carry YAML text); anything else, protobuf included, is 415 Unsupported Media
    // Type, which client-go answers by sending JSON instead.
    private static async Task<JsonObject> ReadBodyAsync(HttpContext context)
    {
        var contentType = (context.Request.ContentType ?? "application/json").Split(';')[0].Trim();
        if (contentType == "application/vnd.kubernetes.protobuf")
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            var bytes = buffer.ToArray();
            return (SecretProtobuf.IsEnvelope(bytes) ? SecretProtobuf.Decode(bytes) : null)
                ?? throw new ApiError(HttpStatusCode.UnsupportedMediaType, "UnsupportedMediaType", "the contract server reads protobuf for core/v1 Secrets only (helm's release storage); send JSON");
        }

        if (contentType is not ("application/json" or "application/apply-patch+yaml" or "application/merge-patch+json" or "application/strategic-merge-patch+json" or "application/json-patch+json"))
        {
            throw new ApiError(HttpStatusCode.UnsupportedMediaType, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/apply-patch+yaml");
        }

        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync();
        if (contentType == "application/apply-patch+yaml" && !text.TrimStart().StartsWith('{'))
        {
            try
            {
                return YamlToJson.ParseAll(text).Single();
            }
            catch (Exception ex) when (ex is YamlDotNet.Core.YamlException or InvalidOperationException)
            {
                throw ApiError.BadRequest($"the apply patch is not valid YAML: {ex.Message}");
            }
        }

        try
        {
            return JsonNode.Parse(text) as JsonObject ?? throw ApiError.BadRequest("the body is not a JSON object");
        }
        catch (JsonException ex)
        {
            throw ApiError.BadRequest($"the body is not valid JSON: {ex.Message}");
        }
    }

    private static async Task WriteAsync(HttpContext context, HttpStatusCode code, JsonNode body)
    {
        // Warnings travel as RFC 7234 Warning headers with code 299 (apiserver endpoints/handlers/responsewriters/warning.go).
        foreach (var warning in ResponseWarnings.Value ?? [])
        {
            context.Response.Headers.Append("Warning", $"299 - \"{warning.Replace("\"", "\\\"", StringComparison.Ordinal)}\"");
        }

        context.Response.StatusCode = (int)code;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }
}
