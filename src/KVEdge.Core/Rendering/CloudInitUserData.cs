using KVEdge.Core.Files;
using System.Text.Json.Nodes;
using KVEdge.Core.Rendering.IotEdge;
using KVEdge.Core.Spec;

namespace KVEdge.Core.Rendering;

/// <summary>The cloud-config that makes the admin user and locks SSH down; it lives in a Secret, never inline.</summary>
public static class CloudInitUserData
{
    /// <summary>Sorted first, so it wins over the image's and cloud-init's own drop-ins (sshd takes the first value it reads).</summary>
    public const string SshdDropInPath = "/etc/ssh/sshd_config.d/10-kvedge.conf";

    public const string SshdDropIn = "PermitRootLogin no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n";

    public const string ConvergePath = "/usr/local/lib/kvedge/kvedge-converge";

    public const string BootstrapPath = "/usr/local/lib/kvedge/kvedge-bootstrap";

    public static string Render(EdgeDevice device, string hostname)
    {
        var ssh = device.Spec.Ssh;
        var user = new JsonObject
        {
            ["name"] = ssh.User,
            ["shell"] = "/bin/bash",
            ["groups"] = new JsonArray("sudo"),
            ["sudo"] = "ALL=(ALL) NOPASSWD:ALL",
            ["lock_passwd"] = true,
        };
        if (ssh.AuthorizedKeys.Count > 0)
        {
            user["ssh_authorized_keys"] = new JsonArray([.. ssh.AuthorizedKeys.Select(k => (JsonNode?)k.Trim())]);
        }

        var config = new JsonObject
        {
            ["hostname"] = hostname,
            ["manage_etc_hosts"] = true,
            ["ssh_pwauth"] = false,
            ["disable_root"] = true,
            ["users"] = new JsonArray(user),
        };

        // The files and commands are the same for every device, so their YAML is written once per process.
        return CloudConfigSerializer.Serialize(config) + (device.Spec.IotEdge is null ? PlainTail.Value : IotEdgeTail.Value);
    }

    private static readonly Lazy<string> PlainTail = new(() => YamlWriter.Write(new JsonObject
    {
        ["write_files"] = new JsonArray(File(SshdDropInPath, "0644", SshdDropIn)),
    }));

    // Only a small bootstrap: it installs the converge program and its units from the config disk, which carries them
    // once per device (and a kvedge upgrade's new copy); on later boots systemd runs them before the IoT Edge services.
    private static readonly Lazy<string> IotEdgeTail = new(() => YamlWriter.Write(new JsonObject
    {
        ["write_files"] = new JsonArray(
            File(SshdDropInPath, "0644", SshdDropIn),
            File(BootstrapPath, "0755", GuestFiles.Read(GuestFiles.Bootstrap))),
        ["runcmd"] = new JsonArray(new JsonArray(BootstrapPath)),
    }));

    /// <summary>The converge program and its two units as cloud-init write_files entries: a bake's user-data, which has no config disk.</summary>
    public static JsonObject[] ConvergeFiles() =>
    [
        File(ConvergePath, "0755", GuestFiles.Read(GuestFiles.Converge)),
        File($"/etc/systemd/system/{GuestFiles.ConvergeUnit}", "0644", GuestFiles.Read(GuestFiles.ConvergeUnit)),
        File($"/etc/systemd/system/{GuestFiles.ApplyUnit}", "0644", GuestFiles.Read(GuestFiles.ApplyUnit)),
    ];

    private static JsonObject File(string path, string permissions, string content) => new()
    {
        ["path"] = path,
        ["owner"] = "root:root",
        ["permissions"] = permissions,
        ["content"] = content,
    };
}
