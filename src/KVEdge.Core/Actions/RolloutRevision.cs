using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using KVEdge.Core.Kube;
using KVEdge.Core.Output;
using KVEdge.Core.Rendering;
using KVEdge.Core.Spec;

namespace KVEdge.Core.Actions;

/// <summary>
/// A device's revision: a digest of what its guest sees only from a new instance (the VM's template spec, and the data
/// of the config and credentials disks KubeVirt builds when the instance starts), as a Deployment hashes its pod
/// template. Not cloud-init's Secret: cloud-init applies it to a new VM only, never at a restart (see
/// DeviceReconciler). The credentials' bytes go in with everything else, through SHA-256, and only 64 bits of the digest
/// are kept: the keys are random (SAS keys, private keys), so the digest says nothing about them.
/// </summary>
public static class RolloutRevision
{
    public static string Of(RenderedDevice device)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var obj in device.Objects)
        {
            var node = ManifestSerializer.ToJsonNode(obj).AsObject();
            var role = obj.Metadata.Labels?.TryGetValue(StandardLabels.Role, out var r) == true ? r : null;
            JsonNode? part = obj.Kind == ClusterResource.VirtualMachine.Kind ? node["spec"]?["template"]?["spec"]
                : role is Roles.Config or Roles.Credentials ? new JsonObject { ["data"] = node["data"]?.DeepClone(), ["binaryData"] = node["binaryData"]?.DeepClone() }
                : null;
            if (part is null)
            {
                continue;
            }

            hash.AppendData(Encoding.UTF8.GetBytes($"{obj.Kind}/{obj.Metadata.Name}\n"));
            hash.AppendData(Encoding.UTF8.GetBytes(part.ToJsonString()));
            hash.AppendData("\n"u8);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset().AsSpan(0, 8));
    }

    /// <summary>
    /// A rollout's identity: a digest of every device's namespace, name and revision, so the same specs give the same
    /// rollout (a rerun resumes it) and a changed spec a new one (with its own canary).
    /// </summary>
    public static string OfRollout(IEnumerable<(string Namespace, string Name, string Revision)> devices)
    {
        var text = string.Join("\n", devices.Select(d => $"{d.Namespace}/{d.Name} {d.Revision}").Order(StringComparer.Ordinal));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 8));
    }
}
