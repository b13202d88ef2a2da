using System.Net;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;


namespace KVEdge.Core.Kube;

/// <summary>
/// <see cref="IClusterClient"/> over KubernetesClient: typed operations for core kinds, CustomObjects for KubeVirt and CDI,
/// every call retried per <see cref="RetryPolicy"/>, every failure turned into a <see cref="ClusterApiException"/> (the
/// server answered) or a <see cref="ClusterUnavailableException"/> (it did not).
/// </summary>
public sealed class KubernetesClusterClient : IClusterClient, IDisposable
{
    private readonly KubeVirtKubernetes _client;
    private readonly RetryPolicy _retry;
    private readonly string _server;
    private readonly ThrottleGate _gate = new();

    public KubernetesClusterClient(KubernetesClientConfiguration config, RetryPolicy? retry = null)
    {
        config.HttpClientTimeout = TimeSpan.FromSeconds(30);
        try
        {
            _client = new KubeVirtKubernetes(config, new SubresourcePathHandler());
        }
        catch (System.Security.Cryptography.CryptographicException ex)
        {
            // The user's client certificate and key are turned into one credential here: a key that is not one (or not
            // the certificate's) ended kvedge with "internal error: CryptographicException".
            throw new ClusterUnavailableException($"the kubeconfig user's client certificate or key cannot be used: {ex.Message} (check client-certificate-data and client-key-data, or the files they name)", ex);
        }

        _retry = retry ?? RetryPolicy.Default;
        _server = config.Host;
    }

    public void Dispose() => _client.Dispose();

    public Task<JsonObject?> GetAsync(ClusterResource resource, string? ns, string name, CancellationToken ct) =>
        RunAsync<JsonObject?>(async () =>
        {
            try
            {
                object result = resource.Kind switch
                {
                    "Secret" => await _client.CoreV1.ReadNamespacedSecretAsync(name, ns, cancellationToken: ct).ConfigureAwait(false),
                    "ConfigMap" => await _client.CoreV1.ReadNamespacedConfigMapAsync(name, ns, cancellationToken: ct).ConfigureAwait(false),
                    "Service" => await _client.CoreV1.ReadNamespacedServiceAsync(name, ns, cancellationToken: ct).ConfigureAwait(false),
                    _ when resource.Namespaced => await _client.CustomObjects.GetNamespacedCustomObjectAsync(resource.Group, resource.Version, ns, resource.Plural, name, ct).ConfigureAwait(false),
                    _ => await _client.CustomObjects.GetClusterCustomObjectAsync(resource.Group, resource.Version, resource.Plural, name, ct).ConfigureAwait(false),
                };
                return ToJson(result, resource);
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }
        });

    // Lists are read as a stream and parsed once, straight from UTF-8, not through typed models: a fleet's Secrets and
    // ConfigMaps are tens of megabytes. The request goes through KubernetesClient's own HttpClient (its TLS trust and
    // client certificates) with its credentials (a token, exec plugin or basic auth), as its generated methods send it.
    public async Task<ObjectList> ListAsync(ClusterResource resource, string? ns, string? labelSelector, string? fieldSelector, CancellationToken ct)
    {
        var items = new List<JsonObject>();
        var version = await ListEachAsync(resource, ns, labelSelector, fieldSelector, item => items.Add(JsonObject.Create(item)!), ct).ConfigureAwait(false);
        return new ObjectList(items, version);
    }

    public Task<string?> ListEachAsync(ClusterResource resource, string? ns, string? labelSelector, string? fieldSelector, Action<System.Text.Json.JsonElement> onItem, CancellationToken ct) =>
        RunAsync(async () =>
        {
            var query = new List<string>();
            if (labelSelector is not null)
            {
                query.Add("labelSelector=" + Uri.EscapeDataString(labelSelector));
            }

            if (fieldSelector is not null)
            {
                query.Add("fieldSelector=" + Uri.EscapeDataString(fieldSelector));
            }

            var path = resource.CollectionPath(ns) + (query.Count == 0 ? "" : "?" + string.Join("&", query));
            using var response = await SendAsync(HttpMethod.Get, path, null, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
                throw new HttpOperationException($"{(int)response.StatusCode} {response.StatusCode}") { Response = new HttpResponseMessageWrapper(response, body) };
            }

            // A retry reads the list again from its start: only while no item has been handed on yet, so none is seen twice.
            var handed = 0;
            var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                try
                {
                    return await ListReader.ReadEachAsync(stream, resource, item =>
                    {
                        handed++;
                        onItem(item);
                    }, ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (handed > 0 && ex is HttpRequestException or IOException)
                {
                    throw new ClusterUnavailableException($"the cluster at {_server} broke off a list of {resource.DisplayName} after {handed} items: {Describe(ex)}", ex);
                }
            }
        });

    public Task<JsonObject> ApplyAsync(ClusterResource resource, JsonObject obj, ApplyOptions options, CancellationToken ct) =>
        RunAsync(async () =>
        {
            var name = obj["metadata"]!["name"]!.GetValue<string>();
            var ns = obj["metadata"]!["namespace"]!.GetValue<string>();
            var patch = new V1Patch(obj.ToJsonString(), V1Patch.PatchType.ApplyPatch);
            var dryRun = options.DryRun ? "All" : null;
            // Strict: a field the server does not know is an error, not a Warning header while it drops the field
            // (the API server's default, fieldValidation=Warn, would install a device without it).
            const string Validation = "Strict";
            object result = resource.Kind switch
            {
                "Secret" => await _client.CoreV1.PatchNamespacedSecretAsync(patch, name, ns, dryRun, options.FieldManager, Validation, force: options.Force, cancellationToken: ct).ConfigureAwait(false),
                "ConfigMap" => await _client.CoreV1.PatchNamespacedConfigMapAsync(patch, name, ns, dryRun, options.FieldManager, Validation, force: options.Force, cancellationToken: ct).ConfigureAwait(false),
                "Service" => await _client.CoreV1.PatchNamespacedServiceAsync(patch, name, ns, dryRun, options.FieldManager, Validation, force: options.Force, cancellationToken: ct).ConfigureAwait(false),
                _ => await _client.CustomObjects.PatchNamespacedCustomObjectAsync(patch, resource.Group, resource.Version, ns, resource.Plural, name,
                    dryRun, options.FieldManager, Validation, force: options.Force, cancellationToken: ct).ConfigureAwait(false),
            };
            return ToJson(result, resource);
        });

    public Task<JsonObject> ApplyStatusAsync(ClusterResource resource, JsonObject obj, ApplyOptions options, CancellationToken ct) =>
        RunAsync(async () =>
        {
            var name = obj["metadata"]!["name"]!.GetValue<string>();
            var ns = obj["metadata"]!["namespace"]!.GetValue<string>();
            var patch = new V1Patch(obj.ToJsonString(), V1Patch.PatchType.ApplyPatch);
            var result = await _client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(patch, resource.Group, resource.Version, ns, resource.Plural, name,
                options.DryRun ? "All" : null, options.FieldManager, "Strict", force: options.Force, cancellationToken: ct).ConfigureAwait(false);
            return ToJson(result, resource);
        });

    // Events and Leases are written as JSON to their REST paths (POST to the collection, PUT to the object), through
    // the same HttpClient and credentials as every other call.
    public Task<JsonObject> CreateAsync(ClusterResource resource, JsonObject obj, CancellationToken ct) =>
        RunAsync(async () =>
        {
            var ns = obj["metadata"]?["namespace"]?.GetValue<string>();
            using var response = await SendAsync(HttpMethod.Post, resource.CollectionPath(ns), obj.ToJsonString(), HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
            return await ReadObjectAsync(response, ct).ConfigureAwait(false);
        });

    public Task<JsonObject> ReplaceAsync(ClusterResource resource, JsonObject obj, CancellationToken ct) =>
        RunAsync(async () =>
        {
            var ns = obj["metadata"]?["namespace"]?.GetValue<string>();
            var name = obj["metadata"]!["name"]!.GetValue<string>();
            using var response = await SendAsync(HttpMethod.Put, $"{resource.CollectionPath(ns)}/{Uri.EscapeDataString(name)}", obj.ToJsonString(), HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
            return await ReadObjectAsync(response, ct).ConfigureAwait(false);
        });

    private static async Task<JsonObject> ReadObjectAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpOperationException($"{(int)response.StatusCode} {response.StatusCode}") { Response = new HttpResponseMessageWrapper(response, body) };
        }

        return JsonNode.Parse(body) as JsonObject ?? throw new ClusterApiException(response.StatusCode, "", "the server answered with no object");
    }

    public Task<JsonObject> MergePatchAsync(ClusterResource resource, string ns, string name, JsonObject patch, bool dryRun, CancellationToken ct) =>
        RunAsync(async () =>
        {
            var body = new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch);
            object result = resource.Kind switch
            {
                "PersistentVolumeClaim" => await _client.CoreV1.PatchNamespacedPersistentVolumeClaimAsync(body, name, ns, dryRun: dryRun ? "All" : null,
                    fieldManager: ApplyOptions.KvedgeFieldManager, fieldValidation: "Strict", cancellationToken: ct).ConfigureAwait(false),
                // The operator's finalizer: a merge patch never creates the object (an apply would, for a device deleted meanwhile).
                "EdgeDevice" => await _client.CustomObjects.PatchNamespacedCustomObjectAsync(body, resource.Group, resource.Version, ns, resource.Plural, name,
                    dryRun: dryRun ? "All" : null, fieldManager: "kvedge-operator", fieldValidation: "Strict", cancellationToken: ct).ConfigureAwait(false),
                // A rollout's marks on a device's VM (Actions/RolloutMarks): a manager of their own, so kvedge's apply, which
                // does not render them, never prunes them; a merge patch never creates a VM deleted meanwhile.
                "VirtualMachine" => await _client.CustomObjects.PatchNamespacedCustomObjectAsync(body, resource.Group, resource.Version, ns, resource.Plural, name,
                    dryRun: dryRun ? "All" : null, fieldManager: ApplyOptions.RolloutFieldManager, fieldValidation: "Strict", cancellationToken: ct).ConfigureAwait(false),
                _ => throw new ArgumentException($"kvedge does not merge-patch {resource.Kind}"),
            };
            return ToJson(result, resource);
        });

    public Task<bool> DeleteAsync(ClusterResource resource, string ns, string name, bool dryRun, CancellationToken ct) =>
        RunAsync(async () =>
        {
            var mode = dryRun ? "All" : null;
            try
            {
                _ = resource.Kind switch
                {
                    "Secret" => await _client.CoreV1.DeleteNamespacedSecretAsync(name, ns, dryRun: mode, cancellationToken: ct).ConfigureAwait(false),
                    "ConfigMap" => await _client.CoreV1.DeleteNamespacedConfigMapAsync(name, ns, dryRun: mode, cancellationToken: ct).ConfigureAwait(false),
                    "Service" => await _client.CoreV1.DeleteNamespacedServiceAsync(name, ns, dryRun: mode, cancellationToken: ct).ConfigureAwait(false),
                    "PersistentVolumeClaim" => await _client.CoreV1.DeleteNamespacedPersistentVolumeClaimAsync(name, ns, dryRun: mode, cancellationToken: ct).ConfigureAwait(false),
                    _ => await _client.CustomObjects.DeleteNamespacedCustomObjectAsync(resource.Group, resource.Version, ns, resource.Plural, name,
                        propagationPolicy: "Foreground", dryRun: mode, cancellationToken: ct).ConfigureAwait(false),
                };
                return true;
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
            {
                // Gone already, or deleted by an earlier attempt whose answer was lost: the outcome asked for.
                return false;
            }
        });

    public async IAsyncEnumerable<WatchEventData> WatchAsync(ClusterResource resource, string? ns, string? labelSelector, string? fieldSelector, string? resourceVersion,
        [EnumeratorCancellation] CancellationToken ct)
    {
        // KubernetesClient.Aot has no Watcher, so the watch is the API server's own protocol, read here: a GET with
        // watch=true answered by one JSON event per line (kubernetes/apimachinery pkg/watch/json; the watch docs at
        // kubernetes.io/docs/reference/using-api/api-concepts/#efficient-detection-of-changes). The request goes through
        // the client's HttpClient, so TLS, client certificates and the subresource handler apply, and its credentials
        // (token, exec plugin) are added as the client adds them to every other call.
        var query = new List<string> { "watch=true", "timeoutSeconds=300" };
        add("labelSelector", labelSelector);
        add("fieldSelector", fieldSelector);
        add("resourceVersion", resourceVersion);
        var path = $"{resource.CollectionPath(ns)}?{string.Join('&', query)}";

        HttpResponseMessage response;
        try
        {
            response = await SendAsync(HttpMethod.Get, path, null, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException && !ct.IsCancellationRequested)
        {
            throw new ClusterUnavailableException($"the cluster at {_server} does not answer: {Describe(ex)}", ex);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw FromStatus(response.StatusCode, await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false));
            }

            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false));
            while (true)
            {
                string? line;
                try
                {
                    line = await reader.ReadLineAsync(ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is HttpRequestException or IOException)
                {
                    // A dropped watch is normal (timeouts, API server restarts): the caller relists and watches again.
                    yield break;
                }

                if (line is null)
                {
                    yield break;
                }

                if (line.Length == 0)
                {
                    continue;
                }

                var frame = JsonNode.Parse(line)?.AsObject() ?? throw new ClusterApiException(HttpStatusCode.InternalServerError, "", "an empty watch event");
                var type = frame["type"]?.GetValue<string>() ?? "";
                var item = frame["object"] as JsonObject ?? [];
                if (type == "ERROR")
                {
                    throw new ClusterApiException((HttpStatusCode)(item["code"]?.GetValue<int>() ?? 500), item["reason"]?.GetValue<string>() ?? "", item["message"]?.GetValue<string>() ?? "watch error");
                }

                // The event names as KubernetesClient's WatchEventType spells them, which callers match on.
                yield return new WatchEventData(type switch
                {
                    "ADDED" => "Added",
                    "MODIFIED" => "Modified",
                    "DELETED" => "Deleted",
                    "BOOKMARK" => "Bookmark",
                    _ => type,
                }, item);
            }
        }

        void add(string key, string? value)
        {
            if (value is not null)
            {
                query.Add($"{key}={Uri.EscapeDataString(value)}");
            }
        }
    }

    // Sent once, never retried: a restart is not idempotent (kubevirt/kubevirt pkg/virt-api/rest/lifecycle.go queues a
    // stop and a start per request), so a retry after a lost answer could restart the VM twice.
    public Task RestartVirtualMachineAsync(string ns, string name, CancellationToken ct) =>
        RunOnceAsync(async () =>
        {
            // KubeVirt's aggregated API: PUT /apis/subresources.kubevirt.io/v1/namespaces/NS/virtualmachines/NAME/restart with
            // a RestartOptions body; 202 Accepted with an empty body when it is queued.
            var path = $"/apis/subresources.kubevirt.io/v1/namespaces/{Uri.EscapeDataString(ns)}/virtualmachines/{Uri.EscapeDataString(name)}/restart";
            using var response = await SendAsync(HttpMethod.Put, path, "{}", HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw FromStatus(response.StatusCode, await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false));
            }

            return true;
        });

    public async Task<WebSocket> PortForwardAsync(string ns, string vmi, int port, CancellationToken ct)
    {
        try
        {
            await _gate.WaitAsync().ConfigureAwait(false);
            return await _client.PortForwardAsync(ns, vmi, port, ct).ConfigureAwait(false);
        }
        catch (HttpOperationException ex)
        {
            throw ToApiException(ex);
        }
        catch (WebSocketException ex) when (StatusOf(ex) is { } status)
        {
            // The server refused the upgrade; ClientWebSocket keeps only the status code, not the Status body. virt-api
            // dials the guest's port itself before it upgrades (kubevirt/kubevirt v1.9 pkg/virt-api/rest/streamer.go,
            // dialers.go): a 500 is that dial failing, a 400 an instance with no interface yet (or not running).
            throw new ClusterApiException(status, status.ToString(), status switch
            {
                HttpStatusCode.InternalServerError =>
                    $"KubeVirt's virt-api could not connect to {ns}/{vmi} port {port} (500): nothing listens there yet (sshd starts late in a first boot; the VM is Ready once it has), or a NetworkPolicy keeps virt-api from reaching the VM's pod (virt-api dials the pod's address itself, not through the API server)",
                HttpStatusCode.BadRequest =>
                    $"KubeVirt's virt-api refused the stream to {ns}/{vmi}:{port} (400): the instance is not running or has no network interface yet",
                _ => $"the server refused the portforward stream to {ns}/{vmi}:{port} ({(int)status} {status})",
            });
        }
        catch (Exception ex) when (ex is WebSocketException or HttpRequestException or IOException)
        {
            throw new ClusterUnavailableException($"the cluster at {_server} does not answer: {Describe(ex)}", ex);
        }
    }

    // "The server returned status code '403' when status code '101' was expected." (System.Net.WebSockets).
    private static HttpStatusCode? StatusOf(WebSocketException ex)
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            var match = System.Text.RegularExpressions.Regex.Match(e.Message, "status code '([0-9]{3})'");
            if (match.Success)
            {
                return (HttpStatusCode)int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return null;
    }

    public Task<bool> CanIAsync(string verb, string group, string resource, string? subresource, string? ns, CancellationToken ct) =>
        RunAsync(async () =>
        {
            var review = new V1SelfSubjectAccessReview
            {
                Spec = new V1SelfSubjectAccessReviewSpec
                {
                    ResourceAttributes = new V1ResourceAttributes { Verb = verb, Group = group, Resource = resource, Subresource = subresource, NamespaceProperty = ns },
                },
            }.Initialize();
            var answer = await _client.AuthorizationV1.CreateSelfSubjectAccessReviewAsync(review, cancellationToken: ct).ConfigureAwait(false);
            return answer.Status?.Allowed == true;
        });

    /// <summary>
    /// A request the generated client has no operation for (a watch, KubeVirt's subresources), sent through the client's
    /// HttpClient so TLS and client certificates apply, with its credentials (token, exec plugin) added as it adds them.
    /// </summary>
    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? json, HttpCompletionOption completion, CancellationToken ct)
    {
        // Relative to the server URL with its path kept (a proxy's /k8s/clusters/ID prefix), not replaced by the path.
        var baseUri = _client.BaseUri.AbsoluteUri.EndsWith('/') ? _client.BaseUri : new Uri(_client.BaseUri.AbsoluteUri + "/");
        using var request = new HttpRequestMessage(method, new Uri(baseUri, path.TrimStart('/')));
        request.Headers.Accept.ParseAdd("application/json");
        if (json is not null)
        {
            request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        }

        if (_client.Credentials is { } credentials)
        {
            await credentials.ProcessHttpRequestAsync(request, ct).ConfigureAwait(false);
        }

        return await _client.HttpClient.SendAsync(request, completion, ct).ConfigureAwait(false);
    }

    private static JsonObject ToJson(object result, ClusterResource? resource)
    {
        var json = result switch
        {
            // Wrapped, not re-parsed: the node materialises from the element as it is read.
            JsonElement element => JsonObject.Create(element)!,
            _ => JsonSerializer.SerializeToNode(result, result.GetType(), ClusterJsonContext.Default)!.AsObject(),
        };
        if (resource is not null)
        {
            json["apiVersion"] ??= resource.ApiVersion;
            json["kind"] ??= resource.Kind;
        }

        return json;
    }

    private async Task<T> RunOnceAsync<T>(Func<Task<T>> operation)
    {
        try
        {
            await _gate.WaitAsync().ConfigureAwait(false);
            return await operation().ConfigureAwait(false);
        }
        catch (HttpOperationException ex)
        {
            throw ToApiException(ex);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is TaskCanceledException tce && tce.InnerException is TimeoutException))
        {
            throw new ClusterUnavailableException($"the cluster at {_server} does not answer: {Describe(ex)}", ex);
        }
    }

    private async Task<T> RunAsync<T>(Func<Task<T>> operation)
    {
        for (var attempt = 1; ; attempt++)
        {
            TimeSpan? retryAfter = null;
            try
            {
                await _gate.WaitAsync().ConfigureAwait(false);
                return await operation().ConfigureAwait(false);
            }
            catch (HttpOperationException ex)
            {
                var apiError = ToApiException(ex);
                retryAfter = RetryAfter(ex);
                if (apiError.Status == HttpStatusCode.TooManyRequests && retryAfter is { } pause)
                {
                    // API Priority and Fairness tells the client, not the request, to wait: every request of this
                    // client (all of a fleet's workers) holds back until then, as client-go's shared rate limiter does.
                    _gate.PauseFor(pause);
                }

                if (!RetryPolicy.IsTransient(apiError.Status) || attempt >= _retry.MaxAttempts)
                {
                    throw apiError;
                }

                if (_gate.IsPaused)
                {
                    continue;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is TaskCanceledException tce && tce.InnerException is TimeoutException))
            {
                if (attempt >= _retry.MaxAttempts)
                {
                    throw new ClusterUnavailableException($"the cluster at {_server} does not answer: {Describe(ex)}", ex);
                }
            }

            await Task.Delay(_retry.DelayFor(attempt, retryAfter)).ConfigureAwait(false);
        }
    }

    private static string Describe(Exception ex)
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            // A TLS handshake answered by a plain-HTTP port fails deep in SslStream with a frame-size message.
            if (e is System.Security.Authentication.AuthenticationException)
            {
                return $"the TLS handshake failed ({Innermost(e).Message}); is this an HTTPS port? The API server speaks HTTPS";
            }
        }

        return Innermost(ex).Message;
    }

    private static Exception Innermost(Exception ex) => ex.InnerException is { } inner ? Innermost(inner) : ex;

    private static TimeSpan? RetryAfter(HttpOperationException ex) =>
        ex.Response.Headers.TryGetValue("Retry-After", out var values) && int.TryParse(values.FirstOrDefault(), out var seconds)
            ? TimeSpan.FromSeconds(seconds)
            : null;

    private static ClusterApiException ToApiException(HttpOperationException ex) =>
        FromStatus(ex.Response.StatusCode, ex.Response.Content);

    private static ClusterApiException FromStatus(HttpStatusCode code, string? body)
    {
        try
        {
            if (body is not null && JsonNode.Parse(body) is JsonObject status && status["kind"]?.GetValue<string>() == "Status")
            {
                var causes = status["details"]?["causes"]?.AsArray()
                    .Select(c => $"{c?["field"]?.GetValue<string>()}: {c?["message"]?.GetValue<string>()}".TrimStart(':', ' '))
                    .ToList();
                return new ClusterApiException(code, status["reason"]?.GetValue<string>() ?? code.ToString(), status["message"]?.GetValue<string>() ?? code.ToString(), causes);
            }
        }
        catch (JsonException)
        {
        }

        return new ClusterApiException(code, code.ToString(), $"the server answered {(int)code} {code}");
    }
}
