using System.Text.Json.Nodes;
using KVEdge.Core.Rendering;
using KVEdge.Core.Rendering.IotEdge;

namespace KVEdge.Core.Images.Bake;

/// <summary>
/// The cloud-config of a bake boot: one locked placeholder user (so the image's default user is not created; cloud-init's
/// schema wants at least one entry, and the cleanup deletes it), the converge program and its units, and one runcmd that
/// runs it in bake mode (the pinned packages from the device's repository, nothing device-specific), enables the units,
/// then removes what identifies this boot (cloud-init's state and logs, SSH host keys, the machine-id), trims the disk
/// and powers off. Its verdict goes to the serial console: <see cref="Succeeded"/> or <see cref="Failed"/>.
/// The units stay enabled in the image, so a device booted from it starts converging as soon as its network is up, in
/// parallel with cloud-init's later stages, instead of after cloud-init's final stage installs them (the config disk
/// brings the device's own copy of the program, which replaces this one when they differ).
/// </summary>
public static class BakeUserData
{
    public const string Succeeded = "KVEDGE-BAKE: OK";
    public const string Failed = "KVEDGE-BAKE: FAILED";

    private const string Script = $$"""
        exec >/dev/console 2>&1
        if /usr/local/lib/kvedge/kvedge-converge --bake; then
          systemctl enable {{GuestFiles.ConvergeUnit}} {{GuestFiles.ApplyUnit}}
          userdel --remove kvedge-bake 2>/dev/null || true
          cloud-init clean --logs
          rm -f /etc/ssh/ssh_host_* /var/lib/dbus/machine-id
          truncate -s 0 /etc/machine-id
          fstrim -av || true
          sync
          echo '{{Succeeded}}'
        else
          echo '{{Failed}}'
        fi
        systemctl poweroff --no-block
        """;

    public static string Render() => CloudConfigSerializer.Serialize(new JsonObject
    {
        ["users"] = new JsonArray(new JsonObject { ["name"] = "kvedge-bake", ["lock_passwd"] = true, ["shell"] = "/usr/sbin/nologin" }),
        ["ssh_pwauth"] = false,
        ["write_files"] = new JsonArray(CloudInitUserData.ConvergeFiles()),
        ["runcmd"] = new JsonArray(new JsonArray("sh", "-c", Script)),
    });

    /// <summary>NoCloud meta-data for the bake boot; the device's own boot has another instance-id, so cloud-init runs afresh.</summary>
    public static string MetaData(string bakeId) => new JsonObject { ["instance-id"] = $"kvedge-bake-{bakeId}", ["local-hostname"] = "kvedge-bake" }.ToJsonString();
}
