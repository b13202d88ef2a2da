using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
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
/// THE PROJECT'S CONTRACT TEST SERVER, NOT A CLUSTER. An in-process HTTP server on 127.0.0.1 that speaks the
/// Kubernetes REST API for the resources kvedge uses, so the real KubernetesClient can be driven against it. It enforces
/// the API server behaviour kvedge relies on, each rule citing the Kubernetes documentation it follows; it does not run
/// admission webhooks, RBAC (beyond a configurable SelfSubjectAccessReview answer), or a scheduler. Its
/// <see cref="Simulator"/> plays the KubeVirt and CDI controllers where a test needs them.
/// </summary>
public sealed class ContractApiServer : IAsyncDisposable
{
    public const string Token = "contract-test-token";

    private readonly WebApplication app;
    private readonly ConcurrentQueue<RecordedRequest> requests = new();
    private int requestCount;

    public ObjectStore Store { get; } = new();

    public FaultInjector Faults { get; } = new();

    public KubeVirtSimulator Simulator { get; }

    /// <summary>
    /// The test user's role, as RBAC denies it (https://kubernetes.io/docs/reference/access-authn-authz/rbac/): verb/resource
    /// pairs refused everywhere ("delete datavolumes", "create virtualmachines", "update virtualmachines/restart") or in one
    /// namespace ("delete datavolumes in factory-b"). Every request is authorised against it (a 403 Forbidden) and
    /// SelfSubjectAccessReview answers from it.
    /// </summary>
    public HashSet<string> Denied { get; } = new(StringComparer.Ordinal);

    /// <summary>When set, the user's only grant is a Role in this namespace: every cluster-scoped request (nodes, storage
    /// classes, the KubeVirt and CDI CRs, lists across namespaces) and every other namespace is forbidden.</summary>
    public string? NamespaceScope { get; set; }

    /// <summary>API groups not served (their CRDs not installed): every request to them is a 404, as on a cluster without
    /// KubeVirt or CDI.</summary>
    public HashSet<string> UnservedGroups { get; } = new(StringComparer.Ordinal);

    /// <summary>Whether the test user may do this (the RBAC authorizer, with <see cref="Denied"/> and <see cref="NamespaceScope"/>).</summary>
    public bool Allows(string verb, string resource, string? ns) =>
        !Denied.Contains($"{verb} {resource}") && !Denied.Contains($"{verb} {resource} in {ns}")
        && (NamespaceScope is null || (ns == NamespaceScope));

    private void Authorize(string verb, ResourceType type, string? ns, string? subresource = null)
    {
        var resource = type.Plural + (subresource is null or "status" ? "" : "/" + subresource);
        if (!Allows(verb, resource, type.Namespaced ? ns : null))
        {
            // The API server's wording (apiserver pkg/endpoints/handlers/responsewriters/errors.go, forbiddenMessage).
            var scope = type.Namespaced && ns is not null ? $"in the namespace \"{ns}\"" : "at the cluster scope";
            throw new ApiError(HttpStatusCode.Forbidden, "Forbidden",
                $"{type.Key} is forbidden: User \"tester\" cannot {verb} resource \"{resource}\" in API group \"{type.Group}\" {scope}");
        }
    }

    /// <summary>Validate incoming objects strictly against ../shared/schemas (on by default, as fieldValidation=Strict).</summary>
    public bool ValidateSchemas { get; set; } = true;

    public Uri Url { get; private set; } = new("https://127.0.0.1");

    private readonly TestCertificateAuthority tls = TestCertificateAuthority.Create();

    /// <summary>The CA that signed the server's certificate (PEM), as the kubeconfig carries it.</summary>
    public string CaPem => tls.CaPem;

    private ContractApiServer()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        // HTTPS only, as a real API server: client-go never sends a token over plain http (kubernetes/kubectl#744).
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0, l => l.UseHttps(tls.Serving)));
        app = builder.Build();
        app.Run(HandleAsync);
        Simulator = new KubeVirtSimulator(Store);
    }

    public static async Task<ContractApiServer> StartAsync()
    {
        var server = new ContractApiServer();
        await server.app.StartAsync();
        var address = server.app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Url = new Uri(address);
        return server;
    }

    public IReadOnlyList<RecordedRequest> Requests => requests.ToArray();

    public void ResetRequests()
    {
        requests.Clear();
        Interlocked.Exchange(ref requestCount, 0);
    }

    /// <summary>A kubeconfig file for this server (context "contract", namespace <paramref name="ns"/>).</summary>
    public string WriteKubeconfig(string path, string ns = "default")
    {
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: contract
              cluster:
                server: {Url.ToString().TrimEnd('/')}
                certificate-authority-data: {Convert.ToBase64String(Encoding.ASCII.GetBytes(CaPem))}
            users:
            - name: tester
              user:
                token: {Token}
            contexts:
            - name: contract
              context:
                cluster: contract
                user: tester
                namespace: {ns}
            current-context: contract
            """);
        return path;
    }

    /// <summary>Puts an object in the store directly, as another client (or a controller) would have.</summary>
    public JsonObject Seed(JsonObject obj, string manager = "seed")
    {
        var type = ResourceType.All.Single(t => t.ApiVersion == obj["apiVersion"]!.GetValue<string>() && t.Kind == obj["kind"]!.GetValue<string>());
        obj["metadata"]!.AsObject()["generation"] ??= 1L;
        var managers = new Dictionary<string, ManagedEntry>(StringComparer.Ordinal);
        StructuredMerge.Update(null, obj, type, managers, manager, status: false);
        return Store.Commit(type, obj, managers);
    }

    public async ValueTask DisposeAsync()
    {
        Simulator.Dispose();
        Store.DropWatches();
        await app.StopAsync();
        await app.DisposeAsync();
        tls.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var query = request.QueryString.Value ?? "";
        var recorded = new RecordedRequest(Interlocked.Increment(ref requestCount) - 1, request.Method, request.Path.Value ?? "", query,
            request.Query["dryRun"].ToString() == "All");
        requests.Enqueue(recorded);

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
        }

        // Authentication (https://kubernetes.io/docs/reference/access-authn-authz/authentication/#putting-a-bearer-token-in-a-request).
        if (request.Headers.Authorization.ToString() != $"Bearer {Token}")
        {
            await WriteAsync(context, HttpStatusCode.Unauthorized, new ApiError(HttpStatusCode.Unauthorized, "Unauthorized", "Unauthorized").ToStatus());
            return;
        }

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

        if (Discovery.Answer(segments, UnservedGroups, Url) is { } discovery)
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

        if (group == "subresources.kubevirt.io" && plural == "virtualmachines" && name is not null && subresource is "restart" or "start" or "stop")
        {
            Authorize("update", ResourceType.VirtualMachine, ns, subresource);
            await VmActionAsync(context, ns!, name, subresource!);
            return;
        }

        var type = ResourceType.Find(group, version, plural)
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
        Authorize(verb, type, ns, subresource);
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

    private async Task WriteListAsync(HttpContext context, ResourceType type, string? ns, string? labelSelector, string? fieldSelector)
    {
        var match = Selectors.Parse(labelSelector, fieldSelector);
        var (items, version) = Store.ListJson(type, ns, match);
        context.Response.StatusCode = (int)HttpStatusCode.OK;
        context.Response.ContentType = "application/json";
        var head = new JsonObject
        {
            ["apiVersion"] = type.ApiVersion,
            ["kind"] = type.Kind + "List",
            ["metadata"] = new JsonObject { ["resourceVersion"] = version.ToString(CultureInfo.InvariantCulture) },
        }.ToJsonString();
        await context.Response.WriteAsync(head[..^1] + ",\"items\":[", context.RequestAborted);
        for (var i = 0; i < items.Count; i++)
        {
            await context.Response.WriteAsync(i == 0 ? items[i] : "," + items[i], context.RequestAborted);
        }

        await context.Response.WriteAsync("]}", context.RequestAborted);
    }

    // Watches (https://kubernetes.io/docs/reference/using-api/api-concepts/#efficient-detection-of-changes): events after
    // resourceVersion; with none (or "0"), the current objects as ADDED first. An expired version is an ERROR event
    // carrying 410 Gone. Label and field selectors filter events, and an object that stops matching is sent as DELETED
    // (one that starts to match, as ADDED), as the watch cache does. sendInitialEvents=true (with allowWatchBookmarks)
    // sends the current objects and then a BOOKMARK annotated k8s.io/initial-events-end, which kubectl 1.35's wait needs
    // (https://kubernetes.io/docs/reference/using-api/api-concepts/#streaming-lists).
    private async Task WatchAsync(HttpContext context, ResourceType type, string? ns)
    {
        var q = context.Request.Query;
        var match = Selectors.Parse(q["labelSelector"], q["fieldSelector"]);
        var rvText = q["resourceVersion"].ToString();
        var initialEvents = q["sendInitialEvents"].ToString() == "true";
        var bookmarks = q["allowWatchBookmarks"].ToString() == "true";
        if (initialEvents && (!bookmarks || q["resourceVersionMatch"].ToString() != "NotOlderThan"))
        {
            throw ApiError.Invalid(type, "", [("FieldValueInvalid", "sendInitialEvents requires allowWatchBookmarks=true and resourceVersionMatch=NotOlderThan", "sendInitialEvents")]);
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        var timeout = int.TryParse(q["timeoutSeconds"], out var seconds) ? TimeSpan.FromSeconds(seconds) : TimeSpan.FromMinutes(30);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        cts.CancelAfter(timeout);

        IReadOnlyList<WatchEvent> backlog;
        System.Threading.Channels.ChannelReader<WatchEvent> feed;
        Action unsubscribe;
        HashSet<string> matching;
        long startVersion;
        static string KeyOf(JsonObject o) => $"{o["metadata"]?["namespace"]}/{o["metadata"]?["name"]}";
        bool InScope(JsonObject o) => ns is null || o["metadata"]?["namespace"]?.GetValue<string>() == ns;
        try
        {
            if (rvText is "" or "0" || initialEvents)
            {
                (backlog, feed, unsubscribe, matching, startVersion) = Store.Atomically(() =>
                {
                    var current = Store.List(type, ns).Select(o => new WatchEvent(Store.Version, type, "ADDED", o)).ToList();
                    var (_, f, u) = Store.Subscribe(type, Store.Version);
                    return ((IReadOnlyList<WatchEvent>)current, f, u, new HashSet<string>(StringComparer.Ordinal), Store.Version);
                });
            }
            else
            {
                (backlog, feed, unsubscribe, matching, startVersion) = Store.Atomically(() =>
                {
                    var (b, f, u) = Store.Subscribe(type, long.Parse(rvText, CultureInfo.InvariantCulture));
                    var now = Store.List(type, ns).Where(o => match(o)).Select(KeyOf).ToHashSet(StringComparer.Ordinal);
                    return (b, f, u, now, Store.Version);
                });
            }
        }
        catch (ApiError gone) when (gone.Code == HttpStatusCode.Gone)
        {
            await WriteLineAsync(context, new JsonObject { ["type"] = "ERROR", ["object"] = gone.ToStatus() }, cts.Token);
            return;
        }

        try
        {
            await context.Response.StartAsync(cts.Token);
            foreach (var e in backlog)
            {
                await SendAsync(e);
            }

            if (initialEvents)
            {
                await WriteLineAsync(context, new JsonObject
                {
                    ["type"] = "BOOKMARK",
                    ["object"] = new JsonObject
                    {
                        ["apiVersion"] = type.ApiVersion,
                        ["kind"] = type.Kind,
                        ["metadata"] = new JsonObject
                        {
                            ["resourceVersion"] = startVersion.ToString(CultureInfo.InvariantCulture),
                            ["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" },
                        },
                    },
                }, cts.Token);
            }

            await foreach (var e in feed.ReadAllAsync(cts.Token))
            {
                await SendAsync(e);
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            unsubscribe();
        }

        async Task SendAsync(WatchEvent e)
        {
            if (e.Type != type || !InScope(e.Object))
            {
                return;
            }

            var key = KeyOf(e.Object);
            var matches = match(e.Object);
            var was = matching.Contains(key);
            var eventType = (e.EventType, was, matches) switch
            {
                ("DELETED", true, _) => "DELETED",
                ("DELETED", false, _) => null,
                (_, true, false) => "DELETED",
                (_, false, true) => "ADDED",
                (_, true, true) => e.EventType == "ADDED" ? "ADDED" : "MODIFIED",
                _ => null,
            };
            if (matches && e.EventType != "DELETED")
            {
                matching.Add(key);
            }
            else
            {
                matching.Remove(key);
            }

            if (eventType is not null)
            {
                await WriteLineAsync(context, new JsonObject { ["type"] = eventType, ["object"] = e.Object.DeepClone() }, cts.Token);
            }
        }
    }

    private static async Task WriteLineAsync(HttpContext context, JsonObject line, CancellationToken ct)
    {
        await context.Response.WriteAsync(line.ToJsonString() + "\n", ct);
        await context.Response.Body.FlushAsync(ct);
    }

    private void CheckIdentity(ResourceType type, string? ns, string? name, JsonObject body)
    {
        if (body["apiVersion"]?.GetValue<string>() != type.ApiVersion || body["kind"]?.GetValue<string>() != type.Kind)
        {
            throw ApiError.BadRequest($"the body's apiVersion/kind ({body["apiVersion"]}/{body["kind"]}) does not match the URL ({type.ApiVersion}/{type.Kind})");
        }

        var metadata = body["metadata"] as JsonObject ?? throw ApiError.BadRequest("metadata is required");
        if (name is not null && metadata["name"]?.GetValue<string>() != name)
        {
            throw ApiError.BadRequest($"the name in the body ({metadata["name"]}) does not match the name in the URL ({name})");
        }

        if (type.Namespaced)
        {
            var bodyNs = metadata["namespace"]?.GetValue<string>();
            if (bodyNs is not null && bodyNs != ns)
            {
                throw ApiError.BadRequest($"the namespace of the provided object ({bodyNs}) does not match the namespace sent on the request ({ns})");
            }

            metadata["namespace"] = ns;
        }
    }

    // Field validation (https://kubernetes.io/docs/reference/using-api/api-concepts/#field-validation; apiserver
    // handlers/rest.go): a value of the wrong type is always a 422; an unknown field depends on ?fieldValidation=:
    // Strict is a 422 naming each field, Warn (the default when the parameter is absent) drops it and says so only in
    // a Warning response header, Ignore drops it silently. Any other value is a 400.
    private static readonly AsyncLocal<List<string>?> ResponseWarnings = new();

    private static string FieldValidation(HttpContext context)
    {
        var mode = context.Request.Query["fieldValidation"].ToString();
        return mode switch
        {
            "" => "Warn",
            "Strict" or "Warn" or "Ignore" => mode,
            _ => throw ApiError.BadRequest($"fieldValidation parameter unsupported: {mode}; expected one of Ignore, Warn, Strict"),
        };
    }

    private static readonly AsyncLocal<string?> CurrentFieldValidation = new();

    private void Validate(ResourceType type, JsonObject obj)
    {
        if (!ValidateSchemas)
        {
            return;
        }

        var copy = obj.DeepClone().AsObject();
        var metadata = copy["metadata"]!.AsObject();
        foreach (var serverField in new[] { "managedFields", "uid", "resourceVersion", "creationTimestamp", "generation", "deletionTimestamp" })
        {
            metadata.Remove(serverField);
        }

        var errors = SchemaValidator.Validate(copy);
        var unknown = errors.Where(e => e.Contains(": NoAdditionalPropertiesAllowed", StringComparison.Ordinal)).ToList();
        var invalid = errors.Except(unknown).ToList();
        var mode = CurrentFieldValidation.Value ?? "Warn";
        if (mode == "Strict")
        {
            invalid.AddRange(unknown.Select(u => $"{UnknownFieldPath(u)}: unknown field \"{UnknownFieldPath(u)}\""));
        }
        else
        {
            foreach (var u in unknown)
            {
                RemovePath(obj, UnknownFieldPath(u));
                if (mode == "Warn")
                {
                    ResponseWarnings.Value?.Add($"unknown field \"{UnknownFieldPath(u)}\"");
                }
            }
        }

        if (invalid.Count > 0)
        {
            throw ApiError.Invalid(type, obj["metadata"]!["name"]!.GetValue<string>(),
                invalid.Select(e => ("FieldValueInvalid", e, e.Split(':')[0])).ToList());
        }
    }

    // NJsonSchema names an unknown field "#/spec.template.spec.extra" (or "#/spec.ports[0].extra"): the field path.
    private static string UnknownFieldPath(string error)
    {
        var path = error[..error.IndexOf(": ", StringComparison.Ordinal)];
        return path.StartsWith("#/", StringComparison.Ordinal) ? path[2..] : path;
    }

    private static void RemovePath(JsonObject obj, string path)
    {
        var segments = System.Text.RegularExpressions.Regex.Matches(path, @"[^.\[\]]+|\[\d+\]").Select(m => m.Value).ToList();
        JsonNode? node = obj;
        for (var i = 0; i < segments.Count - 1 && node is not null; i++)
        {
            node = segments[i].StartsWith('[') ? (node as JsonArray)?[int.Parse(segments[i][1..^1], CultureInfo.InvariantCulture)] : (node as JsonObject)?[segments[i]];
        }

        (node as JsonObject)?.Remove(segments[^1]);
    }

    private static void ApplyDefaults(ResourceType type, JsonObject obj)
    {
        // Server-side defaults kvedge reads back (Service type/protocol/targetPort; Secret stringData into data).
        if (type == ResourceType.Service && obj["spec"] is JsonObject spec)
        {
            spec["type"] ??= "ClusterIP";
            // Allocated from the name, not at random, so a test run reads the same address every time.
            var seed = obj["metadata"]!["name"]!.GetValue<string>().Aggregate(0, (h, c) => ((h * 31) + c) & 0x7fffffff);
            spec["clusterIP"] ??= "10.96.0." + ((seed % 250) + 2).ToString(CultureInfo.InvariantCulture);
            foreach (var port in spec["ports"]?.AsArray() ?? [])
            {
                port!["protocol"] ??= "TCP";
                port["targetPort"] ??= port["port"]!.DeepClone();
            }
        }
        else if (type == ResourceType.Secret && obj["stringData"] is JsonObject stringData)
        {
            var data = obj["data"] as JsonObject ?? new JsonObject();
            foreach (var (key, value) in stringData)
            {
                data[key] = Convert.ToBase64String(Encoding.UTF8.GetBytes(value!.GetValue<string>()));
            }

            obj["data"] = data;
            obj.Remove("stringData");
        }
    }

    // metadata.generation counts changes to the desired state, not to status or metadata
    // (https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions; the status subresource
    // https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#status-subresource).
    private static void SetGeneration(JsonObject? live, JsonObject next)
    {
        var metadata = next["metadata"]!.AsObject();
        if (live is null)
        {
            metadata["generation"] = 1L;
            return;
        }

        var generation = live["metadata"]?["generation"] is { } g ? long.Parse(g.ToJsonString(), CultureInfo.InvariantCulture) : 1L;
        metadata["generation"] = JsonNode.DeepEquals(Spec(live), Spec(next)) ? generation : generation + 1;

        static JsonObject Spec(JsonObject o)
        {
            var copy = o.DeepClone().AsObject();
            copy.Remove("metadata");
            copy.Remove("status");
            return copy;
        }
    }

    // NamespaceLifecycle (https://kubernetes.io/docs/reference/access-authn-authz/admission-controllers/#namespacelifecycle):
    // nothing is created in a namespace that does not exist (404) or is being terminated (403).
    private void CheckNamespace(ResourceType type, string? ns)
    {
        if (!type.Namespaced || ns is null)
        {
            return;
        }

        var namespaceObject = Store.Read(ResourceType.Namespace, null, ns)
            ?? throw new ApiError(HttpStatusCode.NotFound, "NotFound", $"namespaces \"{ns}\" not found");
        if (namespaceObject["status"]?["phase"]?.GetValue<string>() == "Terminating" || namespaceObject["metadata"]?["deletionTimestamp"] is not null)
        {
            throw new ApiError(HttpStatusCode.Forbidden, "Forbidden",
                $"{type.Key} \"{ns}\" is forbidden: unable to create new content in namespace {ns} because it is being terminated");
        }
    }

    private JsonObject Create(ResourceType type, string? ns, JsonObject body, string fieldManager, bool dryRun)
    {
        var name = body["metadata"]?["name"]?.GetValue<string>() ?? throw ApiError.BadRequest("metadata.name is required");
        CheckIdentity(type, ns, null, body);
        return Store.Atomically(() =>
        {
            if (Store.Get(type, ns, name) is not null)
            {
                throw ApiError.AlreadyExists(type, name);
            }

            CheckNamespace(type, ns);

            if (type.HasStatus)
            {
                body.Remove("status");
            }

            ApplyDefaults(type, body);
            Admission.Admit(type, null, body);
            Validate(type, body);
            SetGeneration(null, body);
            var managers = new Dictionary<string, ManagedEntry>(StringComparer.Ordinal);
            StructuredMerge.Update(null, body, type, managers, Manager(fieldManager), status: false);
            return dryRun ? body : Store.Commit(type, body, managers);
        });
    }

    private static string Manager(string fieldManager) => fieldManager.Length == 0 ? "unknown" : fieldManager;

    // Update (https://kubernetes.io/docs/reference/using-api/api-concepts/#conflicts): a resourceVersion that is not the
    // stored one is a 409 Conflict; custom resources must carry one.
    private JsonObject Update(ResourceType type, string? ns, string name, JsonObject body, string fieldManager, bool status, bool dryRun)
    {
        CheckIdentity(type, ns, name, body);
        return Store.Atomically(() =>
        {
            var stored = Store.Get(type, ns, name) ?? throw ApiError.NotFound(type, name);
            var live = stored.Object;
            var rv = body["metadata"]?["resourceVersion"]?.GetValue<string>();
            if (rv is null && type.Group.Length > 0)
            {
                throw ApiError.Invalid(type, name, [("FieldValueInvalid", "must be specified for an update", "metadata.resourceVersion")]);
            }

            if (rv is not null && rv != live["metadata"]!["resourceVersion"]!.GetValue<string>())
            {
                throw ApiError.Conflict(type, name);
            }

            JsonObject next;
            if (status)
            {
                next = live.DeepClone().AsObject();
                next["status"] = body["status"]?.DeepClone();
            }
            else
            {
                next = body.DeepClone().AsObject();
                next.Remove("status");
                if (type.HasStatus && live["status"] is { } liveStatus)
                {
                    next["status"] = liveStatus.DeepClone();
                }

                foreach (var kept in new[] { "uid", "creationTimestamp", "deletionTimestamp" })
                {
                    if (live["metadata"]?[kept] is { } value)
                    {
                        next["metadata"]![kept] = value.DeepClone();
                    }
                }
            }

            return Write(stored, next, Manager(fieldManager), status, dryRun);
        });
    }

    private JsonObject MergePatch(ResourceType type, string? ns, string name, JsonObject patch, string fieldManager, bool status, bool dryRun) =>
        Store.Atomically(() =>
        {
            var stored = Store.Get(type, ns, name) ?? throw ApiError.NotFound(type, name);
            var next = stored.Object.DeepClone().AsObject();
            MergePatchInto(next, patch);
            if (type.HasStatus && !status)
            {
                next.Remove("status");
                if (stored.Object["status"] is { } liveStatus)
                {
                    next["status"] = liveStatus.DeepClone();
                }
            }

            return Write(stored, next, Manager(fieldManager), status, dryRun);
        });

    // RFC 7386 JSON merge patch: null deletes a key.
    private static void MergePatchInto(JsonObject target, JsonObject patch)
    {
        foreach (var (key, value) in patch)
        {
            if (value is null)
            {
                target.Remove(key);
            }
            else if (value is JsonObject p && target[key] is JsonObject t)
            {
                MergePatchInto(t, p);
            }
            else
            {
                target[key] = value.DeepClone();
            }
        }
    }

    private JsonObject Write(StoredObject stored, JsonObject next, string manager, bool status, bool dryRun)
    {
        var type = stored.Type;
        ApplyDefaults(type, next);
        Admission.Admit(type, stored.Object, next);
        Validate(type, next);
        SetGeneration(stored.Object, next);
        var managers = stored.Managers.ToDictionary(m => m.Key, m => m.Value.Copy(), StringComparer.Ordinal);
        StructuredMerge.Update(stored.Object, next, type, managers, manager, status);

        if (IsNoOp(stored.Object, next))
        {
            return stored.Object.DeepClone().AsObject();
        }

        if (dryRun)
        {
            return next;
        }

        // Finalizers (https://kubernetes.io/docs/concepts/overview/working-with-objects/finalizers/): an object being
        // deleted goes away once its last finalizer is removed.
        if (next["metadata"]?["deletionTimestamp"] is not null && next["metadata"]?["finalizers"] is not JsonArray { Count: > 0 })
        {
            Store.Remove(type, stored.Namespace, stored.Name);
            return next;
        }

        return Store.Commit(type, next, managers);
    }

    private static bool IsNoOp(JsonObject live, JsonObject next)
    {
        var a = live.DeepClone().AsObject();
        var b = next.DeepClone().AsObject();
        foreach (var o in new[] { a, b })
        {
            var metadata = o["metadata"]!.AsObject();
            metadata.Remove("managedFields");
            metadata.Remove("resourceVersion");
            metadata.Remove("generation");
        }

        return JsonNode.DeepEquals(a, b);
    }

    // Server-side apply (https://kubernetes.io/docs/reference/using-api/server-side-apply/): fieldManager is required;
    // a field another manager owns with a different value is a conflict (409) unless force=true, which moves the
    // ownership; fields this manager applied before and now omits are removed when no one else owns them; applying
    // to a missing object creates it (201).
    private (JsonObject Object, bool Created) Apply(ResourceType type, string? ns, string name, JsonObject body, string fieldManager, bool force, bool status, bool dryRun)
    {
        if (fieldManager.Length == 0)
        {
            throw ApiError.BadRequest("PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch");
        }

        CheckIdentity(type, ns, name, body);
        if (body["metadata"]?["managedFields"] is JsonArray { Count: > 0 })
        {
            throw ApiError.BadRequest("metadata.managedFields must be nil");
        }

        return Store.Atomically(() =>
        {
            var stored = Store.Get(type, ns, name);
            if (stored is null && status)
            {
                throw ApiError.NotFound(type, name);
            }

            // An apply that creates the object is authorised as a create too (apiserver handlers/patch.go,
            // createAuthorizerAttributes).
            if (stored is null)
            {
                Authorize("create", type, ns);
                CheckNamespace(type, ns);
            }

            var rv = body["metadata"]?["resourceVersion"]?.GetValue<string>();
            if (rv is not null && (stored is null || rv != stored.Object["metadata"]!["resourceVersion"]!.GetValue<string>()))
            {
                throw ApiError.Conflict(type, name);
            }

            var applied = body.DeepClone().AsObject();
            if (type.HasStatus && !status)
            {
                applied.Remove("status");
            }

            var live = stored?.Object ?? new JsonObject { ["apiVersion"] = type.ApiVersion, ["kind"] = type.Kind, ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns } };
            if (!type.Namespaced)
            {
                live["metadata"]!.AsObject().Remove("namespace");
            }

            var managers = stored?.Managers.ToDictionary(m => m.Key, m => m.Value.Copy(), StringComparer.Ordinal)
                ?? new Dictionary<string, ManagedEntry>(StringComparer.Ordinal);
            var (merged, conflicts) = StructuredMerge.Apply(live, stored is not null, applied, type, managers, fieldManager, force, status);
            if (merged is null)
            {
                var causes = conflicts.Select(c => ("FieldManagerConflict", $"conflict with \"{c.Manager}\"", FieldSet.Display(c.Path))).ToList();
                throw new ApiError(HttpStatusCode.Conflict, "Conflict",
                    $"Apply failed with {causes.Count} conflict{(causes.Count == 1 ? "" : "s")}: {string.Join("; ", causes.Select(c => $"{c.Item2}: {c.Item3}"))}",
                    causes);
            }

            var next = merged;
            StructuredMerge.DropNulls(next);
            ApplyDefaults(type, next);
            Admission.Admit(type, stored?.Object, next);
            Validate(type, next);
            SetGeneration(stored?.Object, next);
            if (stored is not null && IsNoOp(stored.Object, next) && ManagersEqual(stored.Managers, managers))
            {
                return (stored.Object.DeepClone().AsObject(), false);
            }

            if (dryRun)
            {
                return (next, stored is null);
            }

            return (Store.Commit(type, next, managers), stored is null);
        });
    }

    private static bool ManagersEqual(Dictionary<string, ManagedEntry> a, Dictionary<string, ManagedEntry> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var other) && other.Operation == kv.Value.Operation && other.Fields.SetEquals(kv.Value.Fields));

    // Graceful deletion with finalizers (https://kubernetes.io/docs/concepts/overview/working-with-objects/finalizers/):
    // an object with finalizers gets a deletionTimestamp and stays until they are removed. propagationPolicy=Foreground
    // (https://kubernetes.io/docs/concepts/architecture/garbage-collection/#foreground-deletion) also keeps it, with the
    // foregroundDeletion finalizer, until every dependent with blockOwnerDeletion is gone (VM → VMI: a guest's shutdown).
    private JsonObject Delete(ResourceType type, string? ns, string name, bool dryRun, string propagationPolicy)
    {
        if (propagationPolicy is not ("" or "Foreground" or "Background" or "Orphan"))
        {
            throw ApiError.BadRequest($"propagationPolicy {propagationPolicy} is not one of Foreground, Background, Orphan");
        }

        return Store.Atomically(() =>
        {
            var stored = Store.Get(type, ns, name) ?? throw ApiError.NotFound(type, name);
            if (dryRun)
            {
                return stored.Object.DeepClone().AsObject();
            }

            var kept = stored.Object["metadata"]?["finalizers"] is JsonArray { Count: > 0 }
                || (propagationPolicy == "Foreground" && Store.BlockingDependents(stored.Object["metadata"]?["uid"]?.GetValue<string>() ?? "").Count > 0);
            var result = Store.MarkDeleted(stored, propagationPolicy == "Foreground");
            if (kept || type == ResourceType.Service || type == ResourceType.PersistentVolumeClaim)
            {
                // An object that stays is returned as it now is. The Service registry answers a delete with the deleted
                // object (its OpenAPI says so); so does the PVC registry. Not modelled: kubernetes.io/pvc-protection,
                // which keeps a PVC in use visible, with a deletionTimestamp, until its pod is gone.
                return result;
            }

            return new JsonObject
            {
                ["kind"] = "Status",
                ["apiVersion"] = "v1",
                ["metadata"] = new JsonObject(),
                ["status"] = "Success",
                ["details"] = new JsonObject { ["name"] = name, ["group"] = type.Group, ["kind"] = type.Plural, ["uid"] = stored.Object["metadata"]!["uid"]!.DeepClone() },
            };
        });
    }

    // KubeVirt's VM subresources (kubevirt/kubevirt pkg/virt-api/rest/lifecycle.go): a PUT with a body. restart is 202
    // once a stop and a start are queued in status.stateChangeRequests; the old VMI stays, Ready, until the VM controller
    // has shut it down (the simulator, after RestartGrace). It is 409 for runStrategy Halted or Once ("does not support
    // manual restart requests") and for a VM with no VMI ("VM is not running"), and 500 while an earlier request is
    // still queued. Not idempotent: a retried restart restarts twice.
    private async Task VmActionAsync(HttpContext context, string ns, string name, string action)
    {
        if (context.Request.Method != "PUT")
        {
            throw new ApiError(HttpStatusCode.MethodNotAllowed, "MethodNotAllowed", $"{context.Request.Method} is not supported on virtualmachines/{action}");
        }

        Store.Atomically(() =>
        {
            var vm = Store.Read(ResourceType.VirtualMachine, ns, name) ?? throw ApiError.NotFound(ResourceType.VirtualMachine, name);
            if (action == "restart")
            {
                var strategy = vm["spec"]?["runStrategy"]?.GetValue<string>() ?? "Halted";
                if (strategy is "Halted" or "Once")
                {
                    // KubeVirt's own spelling.
                    throw new ApiError(HttpStatusCode.Conflict, "Conflict", $"RunStategy {strategy} does not support manual restart requests");
                }

                if (vm["status"]?["stateChangeRequests"] is JsonArray { Count: > 0 })
                {
                    throw new ApiError(HttpStatusCode.InternalServerError, "InternalError", "Restart VirtualMachine failed: VM stop/start already underway");
                }

                if (Store.Read(ResourceType.VirtualMachineInstance, ns, name) is not { } vmi)
                {
                    throw new ApiError(HttpStatusCode.Conflict, "Conflict", "VM is not running");
                }

                Simulator.QueueRestart(ns, name, vmi["metadata"]!["uid"]!.GetValue<string>());
            }
            else
            {
                Simulator.Restart(ns, name, action);
            }

            return true;
        });
        context.Response.StatusCode = (int)HttpStatusCode.Accepted;
        await context.Response.CompleteAsync();
    }

    private async Task AccessReviewAsync(HttpContext context)
    {
        var body = await ReadBodyAsync(context);
        var attributes = body["spec"]?["resourceAttributes"];
        var key = $"{attributes?["verb"]} {attributes?["resource"]}{(attributes?["subresource"] is { } sub ? "/" + sub : "")}";
        // A Role grants per namespace (https://kubernetes.io/docs/reference/access-authn-authz/rbac/#role-and-clusterrole).
        var ns = attributes?["namespace"]?.GetValue<string>();
        var allowed = Allows(attributes?["verb"]?.GetValue<string>() ?? "", key[(key.IndexOf(' ', StringComparison.Ordinal) + 1)..], string.IsNullOrEmpty(ns) ? null : ns);
        body["status"] = new JsonObject { ["allowed"] = allowed, ["reason"] = allowed ? "contract server allows it" : "denied by the test" };
        await WriteAsync(context, HttpStatusCode.Created, body);
    }
}
