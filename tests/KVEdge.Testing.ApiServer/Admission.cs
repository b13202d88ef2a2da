using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;

namespace KVEdge.Testing.ApiServer;

/// <summary>
/// The admission webhooks KubeVirt and CDI install, as far as kvedge's requests meet them. They run on every create and
/// update (apply, merge patch and PUT alike, dry runs included), after the merge and before the object is stored.
/// </summary>
public static class Admission
{
    public static void Admit(ResourceType type, JsonObject? live, JsonObject next)
    {
        if (type == ResourceType.VirtualMachine)
        {
            MutateVirtualMachine(next);
            ValidateProbes(next);
        }

        // CDI's validating webhook (kubevirt/containerized-data-importer pkg/apiserver/webhooks/datavolume-validate.go,
        // the update branch): any change to an existing DataVolume's spec is refused; a metadata-only change is allowed.
        // A server-side apply that stops sending an optional field prunes it, which is a spec change too.
        if (type == ResourceType.DataVolume && live is not null && !JsonNode.DeepEquals(live["spec"], next["spec"]))
        {
            throw new ApiError((HttpStatusCode)422, "",
                "admission webhook \"datavolume-validate.cdi.kubevirt.io\" denied the request: Cannot update DataVolume Spec");
        }
    }

    // KubeVirt's VM mutator (kubevirt/kubevirt pkg/virt-api/webhooks/mutating-webhook/mutators/vm-mutator.go)
    // re-serialises the spec through the Go types: every quantity comes back in canonical form (apimachinery
    // resource/quantity.go: 8192Mi is stored as 8Gi), the machine type and architecture are filled.
    private static void MutateVirtualMachine(JsonObject vm)
    {
        if (vm["spec"] is not JsonObject spec)
        {
            return;
        }

        CanonicaliseQuantities(spec);
        if (spec["template"]?["spec"] is JsonObject templateSpec)
        {
            templateSpec["architecture"] ??= "amd64";
            if (templateSpec["domain"] is JsonObject domain)
            {
                domain["machine"] ??= new JsonObject();
                domain["machine"]!["type"] ??= "q35";
            }
        }
    }

    // KubeVirt's VM validator checks the template's probes as the VMI create admitter does (kubevirt/kubevirt
    // pkg/virt-api/webhooks/validating-webhook/admitters/vmi-create-admitter.go, validateProbe): exactly one of httpGet,
    // tcpSocket, exec and guestAgentPing; every cause at once, in one 422.
    private static void ValidateProbes(JsonObject vm)
    {
        var causes = new List<(string Reason, string Message, string Field)>();
        foreach (var name in new[] { "readinessProbe", "livenessProbe" })
        {
            if (vm["spec"]?["template"]?["spec"]?[name] is not JsonObject probe)
            {
                continue;
            }

            var field = $"spec.template.spec.{name}";
            var handlers = new[] { "httpGet", "tcpSocket", "exec", "guestAgentPing" }.Count(h => probe[h] is not null);
            if (handlers > 1)
            {
                causes.Add(("FieldValueInvalid", $"{field} must have exactly one probe type set", field));
            }
            else if (handlers == 0)
            {
                causes.Add(("FieldValueRequired", $"either {field}.tcpSocket, {field}.exec or {field}.httpGet must be set if a {field} is specified", field));
            }
        }

        if (causes.Count > 0)
        {
            throw new ApiError((HttpStatusCode)422, "Invalid",
                "admission webhook \"virtualmachine-validator.kubevirt.io\" denied the request: " + string.Join(", ", causes.Select(c => c.Message)), causes);
        }
    }

    private static readonly HashSet<string> QuantityParents = new(StringComparer.Ordinal) { "requests", "limits" };

    private static void CanonicaliseQuantities(JsonObject node)
    {
        foreach (var (key, value) in node.ToList())
        {
            switch (value)
            {
                case JsonObject child when QuantityParents.Contains(key):
                    foreach (var (resource, quantity) in child.ToList())
                    {
                        if (quantity is JsonValue v && v.TryGetValue<string>(out var text))
                        {
                            child[resource] = Canonical(text);
                        }
                    }

                    break;
                case JsonObject child:
                    CanonicaliseQuantities(child);
                    break;
                case JsonArray list:
                    foreach (var item in list.OfType<JsonObject>())
                    {
                        CanonicaliseQuantities(item);
                    }

                    break;
                case JsonValue v when key is "guest" or "overcommit" && v.TryGetValue<string>(out var text):
                    node[key] = Canonical(text);
                    break;
            }
        }
    }

    private static readonly (string Suffix, decimal Factor)[] Binary =
        [("Ei", 1L << 60), ("Pi", 1L << 50), ("Ti", 1L << 40), ("Gi", 1L << 30), ("Mi", 1L << 20), ("Ki", 1L << 10)];

    private static readonly (string Suffix, decimal Factor)[] Decimal =
        [("E", 1e18m), ("P", 1e15m), ("T", 1e12m), ("G", 1e9m), ("M", 1e6m), ("k", 1e3m)];

    /// <summary>
    /// apimachinery's canonical form for whole numbers: the format of the suffix given (binary for Ki..Ei, decimal
    /// otherwise) with the largest suffix that divides the value exactly; a binary value no binary suffix divides
    /// falls back to a decimal form. Anything else is returned as given.
    /// </summary>
    public static string Canonical(string quantity)
    {
        var digits = quantity.TakeWhile(c => char.IsAsciiDigit(c) || c == '.').Count();
        if (digits == 0 || !decimal.TryParse(quantity[..digits], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            return quantity;
        }

        var suffix = quantity[digits..];
        var factor = Binary.Concat(Decimal).FirstOrDefault(s => s.Suffix == suffix).Factor;
        if (suffix.Length > 0 && factor == 0)
        {
            return quantity;
        }

        var value = number * (factor == 0 ? 1 : factor);
        if (value != decimal.Truncate(value))
        {
            return quantity;
        }

        var table = suffix.EndsWith('i') ? Binary : Decimal;
        foreach (var (s, f) in table)
        {
            if (value >= f && value % f == 0)
            {
                return decimal.Truncate(value / f).ToString("0", CultureInfo.InvariantCulture) + s;
            }
        }

        var whole = decimal.Truncate(value).ToString("0", CultureInfo.InvariantCulture);
        return table == Binary && value >= 1000 ? Canonical(whole) : whole;
    }
}
