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
/// are kept: the keys are random (SAS keys, private keys), so the digest says nothing about them. Built from the objects
/// as the apply serializes them anyway (<see cref="Add"/>, in the rendering's order: the disks before the VM), so the
/// reconcile does not serialize them a second time.
/// </summary>
public sealed class RolloutRevision : IDisposable
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    /// <summary>Whether an object of this kind and role is part of the revision.</summary>
    public static bool Counts(string kind, string? role) => kind == ClusterResource.VirtualMachine.Kind || role is Roles.Config or Roles.Credentials;

    /// <summary>Adds a rendered object (serialized); one that does not count is ignored.</summary>
    public void Add(string kind, string name, string? role, JsonObject rendered)
    {
        JsonNode?[] parts = kind == ClusterResource.VirtualMachine.Kind ? [rendered["spec"]?["template"]?["spec"]]
            : role is Roles.Config or Roles.Credentials ? [rendered["data"], rendered["binaryData"]]
            : [];
        if (parts.Length == 0)
        {
            return;
        }

        _hash.AppendData(Encoding.UTF8.GetBytes($"{kind}/{name}\n"));
        foreach (var part in parts)
        {
            _hash.AppendData(Encoding.UTF8.GetBytes(part?.ToJsonString() ?? "null"));
            _hash.AppendData("\n"u8);
        }
    }

    /// <summary>The digest of what was added (the builder starts again empty).</summary>
    public string Finish() => Convert.ToHexStringLower(_hash.GetHashAndReset().AsSpan(0, 8));

    public void Dispose() => _hash.Dispose();

    public static string Of(RenderedDevice device)
    {
        using var revision = new RolloutRevision();
        foreach (var obj in device.Objects)
        {
            var role = RoleOf(obj.Metadata.Labels);
            if (Counts(obj.Kind, role))
            {
                revision.Add(obj.Kind, obj.Metadata.Name, role, ManifestSerializer.ToJsonNode(obj).AsObject());
            }
        }

        return revision.Finish();
    }

    public static string? RoleOf(IDictionary<string, string>? labels) => labels?.TryGetValue(StandardLabels.Role, out var role) == true ? role : null;

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
