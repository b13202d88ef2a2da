using System.Text.Json.Nodes;
using KVEdge.Core.Spec;

namespace KVEdge.Core.Rendering;

/// <summary>The cloud-config that makes the admin user and locks SSH down; it lives in a Secret, never inline.</summary>
public static class CloudInitUserData
{
    /// <summary>Sorted first, so it wins over the image's and cloud-init's own drop-ins (sshd takes the first value it reads).</summary>
    public const string SshdDropInPath = "/etc/ssh/sshd_config.d/10-kvedge.conf";

    public const string SshdDropIn = "PermitRootLogin no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n";

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
            ["write_files"] = new JsonArray(new JsonObject
            {
                ["path"] = SshdDropInPath,
                ["owner"] = "root:root",
                ["permissions"] = "0644",
                ["content"] = SshdDropIn,
            }),
        };
        return CloudConfigSerializer.Serialize(config);
    }
}
