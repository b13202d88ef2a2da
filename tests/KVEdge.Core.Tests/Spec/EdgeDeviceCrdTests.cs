using System.Text.Json.Nodes;
using KVEdge.Core.Actions;
using KVEdge.Core.Spec;
using KVEdge.Testing;
using KVEdge.Testing.ApiServer;

namespace KVEdge.Core.Tests.Spec;

/// <summary>
/// The EdgeDevice CRD: generated from the spec's types (a test fails on drift), a CRD the API server takes (its own schema,
/// the structural rules), and one that accepts every valid spec of this repository and refuses, with the validator's
/// words, what its rules can see.
/// </summary>
public sealed class EdgeDeviceCrdTests
{
    public static readonly string CrdPath = Path.Combine(RepoPaths.Root, "deploy", "crds", "edgedevices.kvedge.io.yaml");

    private static readonly CustomResource Resource = CustomResource.FromCrd(EdgeDeviceCrd.Build());

    [Fact]
    public void The_CRD_file_is_what_kvedge_crd_prints() => Golden.AssertMatches(CrdPath, CrdAction.Render(json: false, edgeDevices: true));

    [Fact]
    public void The_CRD_is_the_same_bytes_every_time_and_its_yaml_and_json_agree()
    {
        Assert.Equal(CrdAction.Render(json: false), CrdAction.Render(json: false));
        // kvedge crd: both CRDs, as YAML documents or a JSON List, the same objects.
        var fromYaml = YamlToJson.ParseAll(CrdAction.Render(json: false));
        var fromJson = JsonNode.Parse(CrdAction.Render(json: true))!["items"]!.AsArray();
        Assert.Equal(["edgedevices.kvedge.io", "rolloutpolicies.kvedge.io"], fromYaml.Select(c => c["metadata"]!["name"]!.GetValue<string>()));
        Assert.True(JsonNode.DeepEquals(new JsonArray([.. fromYaml.Select(c => (JsonNode)c.DeepClone())]), fromJson));
    }

    [Fact]
    public void The_CRD_passes_the_Kubernetes_schema_and_the_structural_rules()
    {
        var crd = EdgeDeviceCrd.Build();
        Assert.Empty(SchemaValidator.Validate(crd));
        var schema = crd["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!.AsObject();
        var errors = StructuralSchemaRules.Check(schema);
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Fact]
    public void The_structural_check_catches_what_the_API_server_refuses()
    {
        var bad = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                ["a"] = new JsonObject { ["type"] = "string", ["const"] = "x" },
                ["b"] = new JsonObject { ["properties"] = new JsonObject(), ["additionalProperties"] = false },
                ["c"] = new JsonObject { ["type"] = "string", ["not"] = new JsonObject { ["type"] = "string", ["pattern"] = "y" } },
                ["d"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["k"] = new JsonObject { ["type"] = "string" } } }, ["x-kubernetes-list-type"] = "map", ["x-kubernetes-list-map-keys"] = new JsonArray("k") },
            },
        };
        var errors = string.Join("\n", StructuralSchemaRules.Check(bad));
        Assert.Contains("a: const: not a field of JSONSchemaProps", errors, StringComparison.Ordinal);
        Assert.Contains("b: type: Required value", errors, StringComparison.Ordinal);
        Assert.Contains("b: additionalProperties: Forbidden", errors, StringComparison.Ordinal);
        Assert.Contains("c.not: type: Forbidden", errors, StringComparison.Ordinal);
        Assert.Contains("d: x-kubernetes-list-map-keys: k must be required", errors, StringComparison.Ordinal);
    }

    public static TheoryData<string> ValidSpecs()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "examples"), "*.yaml").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(RepoPaths.Root, file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ValidSpecs))]
    public void Every_example_is_a_valid_custom_resource(string file)
    {
        foreach (var device in YamlToJson.ParseAll(File.ReadAllText(Path.Combine(RepoPaths.Root, file))))
        {
            // An example that takes a credential at render time (--set-file, an environment variable) is a CLI example;
            // as a CR it is refused for that alone (the next test).
            if (device["spec"]?["iotEdge"]?["credentials"] is JsonObject credentials && credentials.Any(c => c.Key != "existingSecret" && c.Key != "existingSecretHasEdgeCa"))
            {
                Assert.NotEmpty(Resource.RuleErrors(device));
                continue;
            }

            Assert.Empty(Resource.SchemaErrors(device));
            Assert.Empty(Resource.RuleErrors(device).Select(e => $"{e.Field}: {e.Message}"));
        }
    }

    public static TheoryData<string, string, string> Refused() => new()
    {
        { "spec.firmware", "{\"secureBoot\": true}", "spec.firmware: Invalid value: \"object\": secureBoot: secure boot needs bootloader efi" },
        { "spec.expose", "{\"type\": \"None\", \"ports\": [{\"name\": \"mqtts\", \"port\": 8883}]}", "spec.expose: Invalid value: \"object\": ports: type None exposes no ports" },
        { "spec.expose", "{\"type\": \"ClusterIP\", \"sshNodePort\": 30022}", "only apply to NodePort and LoadBalancer" },
        { "spec.iotEdge.provisioning", "{\"source\": \"dps\", \"method\": \"tpm\", \"idScope\": \"0ne00000A0A\", \"registrationId\": \"r\", \"deviceId\": \"d\"}", "iothubHostname and deviceId only apply to source manual" },
        { "spec.iotEdge.provisioning", "{\"source\": \"manual\", \"method\": \"symmetricKey\"}", "iothubHostname, deviceId: are required for manual symmetricKey and x509" },
        { "spec.iotEdge.credentials", "{\"connectionString\": \"HostName=h;DeviceId=d;SharedAccessKey=c2VjcmV0\"}", "spec.iotEdge.credentials.connectionString: Forbidden: an EdgeDevice carries no credential" },
        { "spec.iotEdge.credentials", "{\"symmetricKeyEnv\": \"DPS_KEY\"}", "spec.iotEdge.credentials.symmetricKeyEnv: Forbidden" },
        { "metadata.name", "\"Press_01\"", "must be a DNS-1035 label" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void A_rule_between_fields_refuses_with_the_validators_words(string path, string value, string expected)
    {
        var device = YamlToJson.ParseAll(File.ReadAllText(Path.Combine(RepoPaths.Root, "examples", "fleet.yaml")))[0];
        var segments = path.Split('.');
        JsonNode target = device;
        foreach (var segment in segments[..^1])
        {
            target = target[segment] ??= new JsonObject();
        }

        target[segments[^1]] = JsonNode.Parse(value);
        var errors = Resource.RuleErrors(device).Select(e => $"{e.Field}: {e.Message}").ToList();
        Assert.Contains(errors, e => e.Contains(expected, StringComparison.Ordinal));
        // Never the credential itself.
        Assert.DoesNotContain(errors, e => e.Contains("c2VjcmV0", StringComparison.Ordinal));
    }
}
