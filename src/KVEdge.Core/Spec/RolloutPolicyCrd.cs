using System.Text.Json.Nodes;

namespace KVEdge.Core.Spec;

/// <summary>
/// The CustomResourceDefinition rolloutpolicies.kvedge.io: how the operator rolls a change that needs a restart to the
/// EdgeDevices a policy selects, and when it restarts a device that stays unhealthy (docs/rollouts.md). The knobs are
/// the CLI's `upgrade --rollout` flags; the int-or-string ones as a Deployment's maxUnavailable is declared
/// (x-kubernetes-int-or-string), with the pattern the CLI checks, so the API server refuses what the CLI refuses.
/// </summary>
public static class RolloutPolicyCrd
{
    public const string Kind = "RolloutPolicy";
    public const string Plural = "rolloutpolicies";
    public const string Singular = "rolloutpolicy";
    public const string Name = Plural + "." + EdgeDevice.Group;

    /// <summary>A count or a percentage (0 to 100), as a string: "3", "10%".</summary>
    public const string CountOrPercentPattern = "^(?:(?:100|[1-9]?[0-9])%|[0-9]{1,6})\\z";

    /// <summary>A Go duration of hours, minutes and seconds: 90s, 10m, 1h30m.</summary>
    public const string DurationPattern = "^([0-9]{1,6}h)?([0-9]{1,6}m)?([0-9]{1,6}s)?\\z";

    public static JsonObject Build()
    {
        static JsonObject CountOrPercent(string description, JsonNode? byDefault = null)
        {
            var node = new JsonObject
            {
                ["description"] = description,
                // No anyOf: the pattern is a value validation, which applies to a string (an integer is a count, and the
                // operator refuses a negative one, as the CLI does).
                ["x-kubernetes-int-or-string"] = true,
                ["pattern"] = CountOrPercentPattern,
            };
            if (byDefault is not null)
            {
                node["default"] = byDefault;
            }

            return node;
        }

        static JsonObject Duration(string description, string byDefault) => new()
        {
            ["description"] = description,
            ["type"] = "string",
            ["pattern"] = DurationPattern,
            ["minLength"] = 2,
            ["maxLength"] = 24,
            ["default"] = byDefault,
        };

        static JsonObject Selector(string description) => new()
        {
            ["description"] = description,
            ["type"] = "object",
            ["x-kubernetes-map-type"] = "atomic",
            ["properties"] = new JsonObject
            {
                ["matchLabels"] = new JsonObject { ["type"] = "object", ["additionalProperties"] = new JsonObject { ["type"] = "string", ["maxLength"] = 63 } },
                ["matchExpressions"] = new JsonObject
                {
                    ["type"] = "array",
                    ["maxItems"] = 32,
                    ["x-kubernetes-list-type"] = "atomic",
                    ["items"] = new JsonObject
                    {
                        ["type"] = "object",
                        ["required"] = new JsonArray("key", "operator"),
                        ["properties"] = new JsonObject
                        {
                            ["key"] = new JsonObject { ["type"] = "string", ["maxLength"] = 317 },
                            ["operator"] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray("In", "NotIn", "Exists", "DoesNotExist") },
                            ["values"] = new JsonObject { ["type"] = "array", ["maxItems"] = 64, ["x-kubernetes-list-type"] = "atomic", ["items"] = new JsonObject { ["type"] = "string", ["maxLength"] = 63 } },
                        },
                    },
                },
            },
        };

        var spec = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                ["selector"] = Selector("The EdgeDevices of this namespace the policy governs, by their labels; empty selects every one. A device two policies select follows the first by name."),
                ["canary"] = CountOrPercent("How many devices restart first, alone; all must be Ready again before any other restarts."),
                ["canarySelector"] = Selector("The canary devices by their labels, instead of a count."),
                ["maxUnavailable"] = CountOrPercent("How many selected devices may be not Ready at once, an unhealthy one included.", 1),
                ["failureThreshold"] = CountOrPercent("How many failed devices halt the rollout; a canary's failure always does.", 1),
                ["progressDeadline"] = Duration("How long a restarted device has to be Ready again before it counts as failed.", "10m"),
                ["paused"] = new JsonObject { ["type"] = "boolean", ["description"] = "Start no further restart; one under way goes on." },
                ["remediation"] = new JsonObject
                {
                    ["description"] = "Restarting a device that stays unhealthy (its health program's verdict, or no guest agent).",
                    ["type"] = "object",
                    ["properties"] = new JsonObject
                    {
                        ["enabled"] = new JsonObject { ["type"] = "boolean", ["default"] = true },
                        ["unhealthyFor"] = Duration("How long a device is unhealthy before it is restarted.", "5m"),
                        ["retryLimit"] = new JsonObject { ["type"] = "integer", ["minimum"] = 0, ["maximum"] = 100, ["default"] = 3, ["description"] = "At most this many restarts within retryWindow; then remediation gives up on the device." },
                        ["retryWindow"] = Duration("The window retryLimit counts restarts in.", "1h"),
                        ["maxUnhealthy"] = CountOrPercent("When more selected devices than this are unhealthy at once, none is restarted: a shared cause (the hub, the network) is not fixed by restarts.", "40%"),
                    },
                },
            },
            ["x-kubernetes-validations"] = new JsonArray(new JsonObject
            {
                ["rule"] = "!(has(self.canary) && has(self.canarySelector))",
                ["message"] = "canary and canarySelector: choose one",
            }),
        };

        var status = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                ["observedGeneration"] = new JsonObject { ["type"] = "integer", ["format"] = "int64" },
                ["phase"] = new JsonObject { ["type"] = "string", ["description"] = "Canary, Rolling, Paused, Halted or Complete." },
                ["rollout"] = new JsonObject { ["type"] = "string", ["description"] = "The rollout's identity: a digest of the selected devices' revisions." },
                ["devices"] = new JsonObject { ["type"] = "integer" },
                ["updated"] = new JsonObject { ["type"] = "integer" },
                ["pending"] = new JsonObject { ["type"] = "integer" },
                ["restarting"] = new JsonObject { ["type"] = "integer" },
                ["failed"] = new JsonObject { ["type"] = "integer" },
                ["unhealthy"] = new JsonObject { ["type"] = "integer" },
                ["failedDevices"] = new JsonObject
                {
                    ["type"] = "array",
                    ["x-kubernetes-list-type"] = "atomic",
                    ["items"] = new JsonObject
                    {
                        ["type"] = "object",
                        ["properties"] = new JsonObject { ["name"] = new JsonObject { ["type"] = "string" }, ["reason"] = new JsonObject { ["type"] = "string" } },
                    },
                },
                ["remediation"] = new JsonObject
                {
                    ["type"] = "object",
                    ["properties"] = new JsonObject
                    {
                        ["gaveUp"] = new JsonObject
                        {
                            ["type"] = "array",
                            ["x-kubernetes-list-type"] = "atomic",
                            ["items"] = new JsonObject
                            {
                                ["type"] = "object",
                                ["properties"] = new JsonObject { ["name"] = new JsonObject { ["type"] = "string" }, ["reason"] = new JsonObject { ["type"] = "string" } },
                            },
                        },
                        ["heldBack"] = new JsonObject { ["type"] = "string", ["description"] = "Why no device is restarted now (more than maxUnhealthy are unhealthy)." },
                    },
                },
                ["conditions"] = new JsonObject
                {
                    ["type"] = "array",
                    ["x-kubernetes-list-type"] = "map",
                    ["x-kubernetes-list-map-keys"] = new JsonArray("type"),
                    ["items"] = new JsonObject
                    {
                        ["type"] = "object",
                        ["required"] = new JsonArray("type", "status"),
                        ["properties"] = new JsonObject
                        {
                            ["type"] = new JsonObject { ["type"] = "string" },
                            ["status"] = new JsonObject { ["type"] = "string" },
                            ["reason"] = new JsonObject { ["type"] = "string" },
                            ["message"] = new JsonObject { ["type"] = "string" },
                            ["observedGeneration"] = new JsonObject { ["type"] = "integer", ["format"] = "int64" },
                            ["lastTransitionTime"] = new JsonObject { ["type"] = "string", ["format"] = "date-time" },
                        },
                    },
                },
            },
        };

        JsonObject Column(string name, string path, string type = "string") => new() { ["name"] = name, ["type"] = type, ["jsonPath"] = path };
        return new JsonObject
        {
            ["apiVersion"] = "apiextensions.k8s.io/v1",
            ["kind"] = "CustomResourceDefinition",
            ["metadata"] = new JsonObject { ["name"] = Name, ["labels"] = new JsonObject { [StandardLabels.PartOf] = "kvedge" } },
            ["spec"] = new JsonObject
            {
                ["group"] = EdgeDevice.Group,
                ["names"] = new JsonObject
                {
                    ["kind"] = Kind,
                    ["listKind"] = Kind + "List",
                    ["plural"] = Plural,
                    ["singular"] = Singular,
                    ["categories"] = new JsonArray("kvedge"),
                },
                ["scope"] = "Namespaced",
                ["versions"] = new JsonArray(new JsonObject
                {
                    ["name"] = EdgeDevice.Version,
                    ["served"] = true,
                    ["storage"] = true,
                    ["subresources"] = new JsonObject { ["status"] = new JsonObject() },
                    ["additionalPrinterColumns"] = new JsonArray(
                        Column("Phase", ".status.phase"),
                        Column("Updated", ".status.updated", "integer"),
                        Column("Devices", ".status.devices", "integer"),
                        Column("Failed", ".status.failed", "integer"),
                        Column("Age", ".metadata.creationTimestamp", "date")),
                    ["schema"] = new JsonObject
                    {
                        ["openAPIV3Schema"] = new JsonObject
                        {
                            ["description"] = "How the kvedge operator rolls a change that needs a restart to the EdgeDevices it selects, and remediates those that stay unhealthy (kvedge docs/rollouts.md).",
                            ["type"] = "object",
                            ["properties"] = new JsonObject
                            {
                                ["apiVersion"] = new JsonObject { ["type"] = "string" },
                                ["kind"] = new JsonObject { ["type"] = "string" },
                                ["metadata"] = new JsonObject { ["type"] = "object" },
                                ["spec"] = spec,
                                ["status"] = status,
                            },
                        },
                    },
                }),
            },
        };
    }
}
