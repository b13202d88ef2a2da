using System.Text.Json.Nodes;
using KVEdge.Core.Validation;

namespace KVEdge.Core.Spec;

/// <summary>
/// The CustomResourceDefinition edgedevices.kvedge.io, generated from the spec's and the status's own types (as the
/// chart's values.schema.json is), with the validator's field rules (<see cref="SpecConstraints"/>) as the structural
/// schema and CEL says them (<see cref="StructuralSchema"/>). Shape after kubernetes/apiextensions-apiserver v0.36.3
/// pkg/apis/apiextensions/v1/types.go and KubeVirt's own CRDs (kubevirt v1.9.0
/// pkg/virt-operator/resource/generate/components/crds.go: printer columns reading conditions, short names, categories).
/// What a schema cannot say (quantities, duplicates, map keys) the operator's validator says: such a CR is Stalled with
/// the CLI's message.
/// </summary>
public static class EdgeDeviceCrd
{
    public const string Plural = "edgedevices";
    public const string Singular = "edgedevice";
    public const string ShortName = "edev";
    public const string Name = Plural + "." + EdgeDevice.Group;

    /// <summary>The CRD as an object (same input, same bytes once written).</summary>
    public static JsonObject Build()
    {
        var spec = StructuralSchema.From(SpecSchema.For(typeof(EdgeDeviceSpec), SpecConstraints.All()));
        RefuseInlineCredentials(spec);
        var status = StructuralSchema.From(SpecSchema.For(typeof(EdgeDeviceStatus)));
        ConditionList(status["properties"]!["conditions"]!.AsObject());

        var schema = new JsonObject
        {
            ["description"] = "An Azure IoT Edge device run as a KubeVirt VirtualMachine, provisioned, pinned and converged at every boot (kvedge docs/spec.md).",
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                ["apiVersion"] = new JsonObject { ["type"] = "string" },
                ["kind"] = new JsonObject { ["type"] = "string" },
                ["metadata"] = new JsonObject { ["type"] = "object" },
                ["spec"] = spec,
                ["status"] = status,
            },
            // The device's name names its VM, Service and hostname: a DNS-1035 label, as the CLI requires of it. Of metadata
            // only name and generateName are visible to a rule (apiextensions-apiserver pkg/apiserver/schema/cel/model).
            ["x-kubernetes-validations"] = new JsonArray(new JsonObject
            {
                ["rule"] = $"size(self.metadata.name) <= 63 && self.metadata.name.matches('{KubernetesNames.Dns1035LabelPattern.Replace("\\", "\\\\", StringComparison.Ordinal)}')",
                ["message"] = "metadata.name: must be a DNS-1035 label (lower-case letters, digits and '-', starting with a letter, at most 63): it names the device's VirtualMachine and Service",
            }),
        };

        return new JsonObject
        {
            ["apiVersion"] = "apiextensions.k8s.io/v1",
            ["kind"] = "CustomResourceDefinition",
            ["metadata"] = new JsonObject
            {
                ["name"] = Name,
                ["labels"] = new JsonObject { [StandardLabels.PartOf] = "kvedge" },
            },
            ["spec"] = new JsonObject
            {
                ["group"] = EdgeDevice.Group,
                ["names"] = new JsonObject
                {
                    ["kind"] = EdgeDevice.KindValue,
                    ["listKind"] = EdgeDevice.KindValue + "List",
                    ["plural"] = Plural,
                    ["singular"] = Singular,
                    ["shortNames"] = new JsonArray(ShortName),
                    ["categories"] = new JsonArray("kvedge"),
                },
                ["scope"] = "Namespaced",
                ["versions"] = new JsonArray(new JsonObject
                {
                    ["name"] = EdgeDevice.Version,
                    ["served"] = true,
                    ["storage"] = true,
                    ["subresources"] = new JsonObject { ["status"] = new JsonObject() },
                    ["additionalPrinterColumns"] = PrinterColumns(),
                    ["schema"] = new JsonObject { ["openAPIV3Schema"] = schema },
                }),
            },
        };
    }

    // kubectl get's columns (NAME is implicit); priority 1 only with -o wide. A condition read by a filter, as KubeVirt's
    // own columns read theirs.
    private static JsonArray PrinterColumns()
    {
        JsonObject Column(string name, string path, string description, string type = "string", int priority = 0)
        {
            var column = new JsonObject { ["name"] = name, ["type"] = type, ["description"] = description, ["jsonPath"] = path };
            if (priority > 0)
            {
                column["priority"] = priority;
            }

            return column;
        }

        return new JsonArray(
            Column("Ready", ".status.conditions[?(@.type==\"Ready\")].status", "Whether the device is up: the VM running and IoT Edge healthy"),
            Column("IoTEdge", ".status.iotEdge", "IoT Edge's health, as the guest's health program reports it"),
            Column("Version", ".status.iotEdgeVersion", "The IoT Edge version the device is pinned to"),
            Column("Node", ".status.node", "The node the VM runs on"),
            Column("Age", ".metadata.creationTimestamp", "", "date"),
            Column("Reason", ".status.conditions[?(@.type==\"Ready\")].reason", "Why the device is not Ready", priority: 1),
            Column("IP", ".status.ip", "The guest's address on the pod network", priority: 1),
            Column("SSH", ".status.ssh", "How to reach the guest's SSH", priority: 1));
    }

    /// <summary>
    /// A CR is stored in etcd and read by anyone who may get it: credentials travel only by Secret reference
    /// (spec.iotEdge.credentials.existingSecret). Each inline credential field, and each *Env field (the operator's own
    /// environment is nobody's to name), is refused by a rule that names it.
    /// </summary>
    private static void RefuseInlineCredentials(JsonObject spec)
    {
        var credentials = spec["properties"]!["iotEdge"]!["properties"]!["credentials"]!.AsObject();
        var rules = new JsonArray();
        foreach (var name in InlineCredentialFields)
        {
            rules.Add((JsonNode)new JsonObject
            {
                ["rule"] = $"!has(self.{name})",
                ["message"] = InlineCredentialMessage,
                ["fieldPath"] = "." + name,
                ["reason"] = "FieldValueForbidden",
            });
        }

        credentials["x-kubernetes-validations"] = rules;
    }

    /// <summary>Why an EdgeDevice may not hold a credential field (the CRD's rule and the operator say the same).</summary>
    public const string InlineCredentialMessage = "an EdgeDevice carries no credential: put it in the Secret that existingSecret names (value not shown)";

    /// <summary>The fields of spec.iotEdge.credentials an EdgeDevice may not have: each credential, and each *Env field.</summary>
    public static IReadOnlyList<string> InlineCredentialFields { get; } = FindInlineCredentialFields();

    private static List<string> FindInlineCredentialFields()
    {
        var fields = SpecFields.Of(typeof(CredentialsSpec));
        return [.. fields.Where(f => f.Value.Sensitive
                || (f.Key.EndsWith("Env", StringComparison.Ordinal) && fields.TryGetValue(f.Key[..^3], out var stem) && stem.Sensitive))
            .Select(f => f.Key).Order(StringComparer.Ordinal)];
    }

    // metav1.Condition (apimachinery v0.36.3 pkg/apis/meta/v1/types.go): required fields, bounds, a list keyed by type.
    private static void ConditionList(JsonObject conditions)
    {
        conditions["x-kubernetes-list-type"] = "map";
        conditions["x-kubernetes-list-map-keys"] = new JsonArray("type");
        var item = conditions["items"]!.AsObject();
        item["required"] = new JsonArray("type", "status", "lastTransitionTime", "reason", "message");
        var p = item["properties"]!.AsObject();
        p["type"]!["maxLength"] = 316;
        p["status"]!["enum"] = new JsonArray("True", "False", "Unknown");
        p["reason"]!["maxLength"] = 1024;
        p["reason"]!["minLength"] = 1;
        p["reason"]!["pattern"] = EdgeDeviceCondition.ReasonPattern;
        p["message"]!["maxLength"] = 32768;
        p["lastTransitionTime"]!["format"] = "date-time";
        p["observedGeneration"]!["minimum"] = 0;
    }
}
