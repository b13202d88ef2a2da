using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace KVEdge.Testing.ApiServer;

/// <summary>Lists and watches: a list answered from cached JSON, a watch streamed from a resourceVersion.</summary>
public sealed partial class ContractApiServer
{
    // The request's Fault.CutList, if it drew one.
    private static readonly AsyncLocal<int?> CutListAfter = new();

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
            if (CutListAfter.Value == i)
            {
                // What was sent reaches the client before the reset, which would otherwise discard it unread.
                await context.Response.Body.FlushAsync(context.RequestAborted);
                await Task.Delay(500, context.RequestAborted);
                context.Abort();
                return;
            }

            var item = type.IsBuiltIn ? WithoutTypeMeta(items[i], type) : items[i];
            await context.Response.WriteAsync(i == 0 ? item : "," + item, context.RequestAborted);
        }

        await context.Response.WriteAsync("]}", context.RequestAborted);
    }

    // The API server leaves apiVersion and kind out of each item of a built-in type's list (the list itself carries
    // them); a custom resource's items, served as unstructured objects, keep theirs. A GET or a watch event has them.
    // (kubernetes/kubernetes#3030, open as of v1.35: "the list API omits apiVersion and kind from the returned items".)
    private static string WithoutTypeMeta(string json, ResourceType type)
    {
        var prefix = $"{{\"apiVersion\":\"{type.ApiVersion}\",\"kind\":\"{type.Kind}\",";
        if (json.StartsWith(prefix, StringComparison.Ordinal))
        {
            return "{" + json[prefix.Length..];
        }

        var node = JsonNode.Parse(json)!.AsObject();
        node.Remove("apiVersion");
        node.Remove("kind");
        return node.ToJsonString();
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
}
