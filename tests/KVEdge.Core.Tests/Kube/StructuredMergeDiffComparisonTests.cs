using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using KVEdge.Core.Output;
using KVEdge.Testing;
using KVEdge.Testing.ApiServer;
using YamlDotNet.RepresentationModel;

using KVEdge.Core.Tests.Actions;

namespace KVEdge.Core.Tests.Kube;

/// <summary>
/// The contract server's server-side apply checked against the real algorithm: every scenario of tests/testdata/ssa
/// runs through the server (over HTTPS, as a client sends it) and through kubernetes-sigs/structured-merge-diff
/// (tests/ssa-oracle); after each step the object, every manager's managed fields and the conflicts must be the same.
/// </summary>
public sealed class StructuredMergeDiffComparisonTests : RawContractServerTest
{
    private const string Namespace = "factory-a";
    private const string Name = "x";

    private static IEnumerable<string> Files() =>
        Directory.GetFiles(Path.Combine(RepoPaths.TestData, "ssa"), "*.yaml").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal);

    public static TheoryData<string> Scenarios() => [.. Files()];

    [Fact]
    public void The_scenarios_cover_what_the_issue_names()
    {
        // Ownership, conflicts, force, prune, keyed lists, atomic maps, sets, updates: a scenario set that lost one of
        // these would still pass, so their presence is checked.
        var all = Files().Select(f => File.ReadAllText(Path.Combine(RepoPaths.TestData, "ssa", f))).ToList();
        Assert.True(all.Count >= 8, $"{all.Count} scenarios");
        Assert.Contains(all, s => s.Contains("force: true", StringComparison.Ordinal));
        Assert.Contains(all, s => s.Contains("operation: Update", StringComparison.Ordinal));
        Assert.Contains(all, s => s.Contains("kind: Service", StringComparison.Ordinal));
        Assert.Contains(all, s => s.Contains("finalizers", StringComparison.Ordinal));
        Assert.Contains(all, s => s.Contains("kind: VirtualMachine", StringComparison.Ordinal));
        Assert.Contains(all, s => s.Contains("kind: DataVolume", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task The_contract_server_applies_as_structured_merge_diff_does(string file)
    {
        var (type, steps) = Load(Path.Combine(RepoPaths.TestData, "ssa", file));
        await Compare(type, steps);
    }

    private async Task Compare(ResourceType type, List<SsaStep> steps)
    {
        var expected = StructuredMergeDiffOracle.Run(type.ApiVersion, type.Kind, steps);
        // A scenario of one manager alone shows nothing about ownership.
        Assert.Contains(expected, e => e.Managed.Count > 1);

        using var http = Http();
        var differences = new List<string>();
        for (var i = 0; i < steps.Count; i++)
        {
            var conflicts = await Send(http, type, steps[i]);
            var live = Cluster.Server.Store.Read(type, Namespace, Name);
            var want = expected[i];
            var label = $"step {i} ({steps[i].Manager} {steps[i].Operation}{(steps[i].Force ? " force" : "")})";
            if (!conflicts.SequenceEqual(want.Conflicts))
            {
                differences.Add($"{label}: conflicts: server [{string.Join("; ", conflicts)}], structured-merge-diff [{string.Join("; ", want.Conflicts)}]");
            }

            var got = Comparable(live);
            var wantObject = Comparable(want.Live);
            if (!JsonNode.DeepEquals(got, wantObject))
            {
                differences.Add($"{label}: object: server {got?.ToJsonString()}, structured-merge-diff {wantObject?.ToJsonString()}");
            }

            var gotManaged = Managed(live);
            var wantManaged = want.Managed.Select(m => $"{m.Manager}/{m.Operation} {Canonical(m.FieldsV1)}").Order(StringComparer.Ordinal).ToList();
            if (!gotManaged.SequenceEqual(wantManaged))
            {
                differences.Add($"{label}: managedFields:\n    server                {string.Join("\n                          ", gotManaged)}\n    structured-merge-diff {string.Join("\n                          ", wantManaged)}");
            }
        }

        Assert.True(differences.Count == 0, string.Join("\n", differences));
    }

    public static TheoryData<string> RenderedKinds() => ["ConfigMap", "Service", "VirtualMachine", "DataVolume"];

    /// <summary>
    /// kvedge's own objects, as it renders them for a device: applied, labelled by another client (an Update, as
    /// kubectl label sends it), re-applied unchanged, then re-applied with a label of kvedge's own gone. Both sides
    /// must keep the other client's label and agree on every manager's fields.
    /// </summary>
    [Theory]
    [MemberData(nameof(RenderedKinds))]
    public async Task Kvedges_rendered_objects_apply_as_structured_merge_diff_applies_them(string kind)
    {
        var device = ClusterTestDevices.Render(ClusterTestDevices.Spec("x")).Single();
        var rendered = device.Objects.Where(o => o.Kind == kind).Select(o => ManifestSerializer.ToJsonNode(o).AsObject()).First();
        rendered["metadata"]!["name"] = Name;
        rendered["metadata"]!["namespace"] = Namespace;
        var type = ResourceType.All.Single(t => t.ApiVersion == rendered["apiVersion"]!.GetValue<string>() && t.Kind == kind);
        if (type == ResourceType.Service)
        {
            // Given as the server would default them: structured-merge-diff does not default.
            rendered["spec"]!["clusterIP"] = "10.96.0.20";
            foreach (var port in rendered["spec"]!["ports"]!.AsArray())
            {
                port!["protocol"] ??= "TCP";
                port["targetPort"] ??= port["port"]!.DeepClone();
            }
        }
        else if (type == ResourceType.VirtualMachine)
        {
            // As KubeVirt's mutator leaves it.
            var template = rendered["spec"]!["template"]!["spec"]!.AsObject();
            template["architecture"] ??= "amd64";
            template["domain"]!["machine"] ??= new JsonObject { ["type"] = "q35" };
        }

        var labelled = rendered.DeepClone().AsObject();
        labelled["metadata"]!["labels"]!["team"] = "ops";
        var fewer = rendered.DeepClone().AsObject();
        Assert.True(fewer["metadata"]!["labels"]!.AsObject().Remove("app.kubernetes.io/name"), "kvedge labels its objects with app.kubernetes.io/name");
        List<SsaStep> steps =
        [
            new("kvedge", "Apply", true, rendered),
            new("kubectl-label", "Update", false, labelled),
            new("kvedge", "Apply", true, rendered),
            new("kvedge", "Apply", true, fewer),
        ];
        await Compare(type, steps);
        Assert.Equal("ops", Cluster.Server.Store.Read(type, Namespace, Name)!["metadata"]!["labels"]!["team"]!.GetValue<string>());
    }

    private static (ResourceType Type, List<SsaStep> Steps) Load(string path)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(path)));
        var doc = (JsonObject)YamlToJson.Convert(stream.Documents[0].RootNode)!;
        var apiVersion = doc["apiVersion"]!.GetValue<string>();
        var kind = doc["kind"]!.GetValue<string>();
        var type = ResourceType.All.Single(t => t.ApiVersion == apiVersion && t.Kind == kind);
        var steps = doc["steps"]!.AsArray().Select(s =>
        {
            var obj = s!["object"]!.DeepClone().AsObject();
            var full = new JsonObject { ["apiVersion"] = apiVersion, ["kind"] = kind };
            var metadata = obj["metadata"]?.DeepClone().AsObject() ?? [];
            metadata["name"] ??= Name;
            metadata["namespace"] ??= Namespace;
            full["metadata"] = metadata;
            foreach (var (key, value) in obj.Where(p => p.Key != "metadata").ToList())
            {
                full[key] = value?.DeepClone();
            }

            return new SsaStep(s["manager"]!.GetValue<string>(), s["operation"]?.GetValue<string>() ?? "Apply", s["force"]?.GetValue<bool>() ?? false, full);
        }).ToList();
        return (type, steps);
    }

    private HttpClient Http()
    {
        // The server's certificate is the test CA's; this client trusts it for 127.0.0.1 only.
        var http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true }) { BaseAddress = Cluster.Server.Url };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ContractApiServer.Token);
        return http;
    }

    private static string Collection(ResourceType type) =>
        $"{(type.Group.Length == 0 ? "/api/v1" : $"/apis/{type.ApiVersion}")}/namespaces/{Namespace}/{type.Plural}";

    /// <summary>Sends the step as a client would; returns the conflicts a 409 named, as "manager path".</summary>
    private async Task<List<string>> Send(HttpClient http, ResourceType type, SsaStep step)
    {
        HttpResponseMessage response;
        if (step.Operation == "Apply")
        {
            var request = new HttpRequestMessage(HttpMethod.Patch, $"{Collection(type)}/{Name}?fieldManager={step.Manager}&force={(step.Force ? "true" : "false")}")
            {
                Content = new StringContent(step.Body.ToJsonString(), Encoding.UTF8, "application/apply-patch+yaml"),
            };
            response = await http.SendAsync(request);
        }
        else
        {
            var body = step.Body.DeepClone().AsObject();
            var live = Cluster.Server.Store.Read(type, Namespace, Name);
            if (live is null)
            {
                response = await http.PostAsync($"{Collection(type)}?fieldManager={step.Manager}", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
            }
            else
            {
                body["metadata"]!["resourceVersion"] = live["metadata"]!["resourceVersion"]!.DeepClone();
                response = await http.PutAsync($"{Collection(type)}/{Name}?fieldManager={step.Manager}", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
            }
        }

        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            return [.. JsonNode.Parse(text)!["details"]!["causes"]!.AsArray()
                .Select(c => $"{c!["message"]!.GetValue<string>().Replace("conflict with \"", "", StringComparison.Ordinal).TrimEnd('"')} {c["field"]!.GetValue<string>()}")
                .Order(StringComparer.Ordinal)];
        }

        Assert.True(response.IsSuccessStatusCode, $"{step.Manager} {step.Operation}: {(int)response.StatusCode} {text}");
        return [];
    }

    // What the server adds that structured-merge-diff does not model (identity, versions, timestamps, managedFields);
    // and the nulls its prune leaves where it emptied a map, which the API server drops (a built-in type's omitempty,
    // the pruning of nulls from a custom resource's non-nullable fields).
    private static JsonObject? Comparable(JsonObject? obj)
    {
        if (obj is null)
        {
            return null;
        }

        var copy = obj.DeepClone().AsObject();
        StructuredMerge.DropNulls(copy);
        if (copy["metadata"] is JsonObject metadata)
        {
            foreach (var key in new[] { "uid", "resourceVersion", "creationTimestamp", "generation", "managedFields" })
            {
                metadata.Remove(key);
            }
        }

        copy.Remove("status");
        return copy;
    }

    private static List<string> Managed(JsonObject? live) =>
        [.. (live?["metadata"]?["managedFields"] as JsonArray ?? [])
            .Select(m => $"{m!["manager"]!.GetValue<string>()}/{m["operation"]!.GetValue<string>()} {Canonical(m["fieldsV1"]!)}")
            .Order(StringComparer.Ordinal)];

    // fieldsV1 with keys sorted, so two trees compare as text whatever order each side wrote them in.
    private static string Canonical(JsonNode node) => node switch
    {
        JsonObject o => "{" + string.Join(",", o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => JsonValue.Create(p.Key).ToJsonString() + ":" + Canonical(p.Value!))) + "}",
        _ => node.ToJsonString(),
    };
}
