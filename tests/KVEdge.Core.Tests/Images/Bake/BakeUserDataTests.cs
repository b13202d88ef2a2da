using KVEdge.Core.Images.Bake;
using KVEdge.Core.Rendering.IotEdge;
using KVEdge.Core.Tests.Rendering;

namespace KVEdge.Core.Tests.Images.Bake;

public class BakeUserDataTests
{
    [Fact]
    public void The_bake_user_data_is_valid_cloud_config()
    {
        var result = CloudInitSchemaTests.Schema(BakeUserData.Render());
        Assert.True(result.ExitCode == 0, result.StdOut + result.StdErr);
    }

    [Fact]
    public void It_leaves_no_user_runs_converge_in_bake_mode_cleans_up_and_powers_off()
    {
        var userData = BakeUserData.Render();
        Assert.Contains("- name: kvedge-bake\n  lock_passwd: true", userData, StringComparison.Ordinal);
        Assert.Contains(GuestFiles.Read(GuestFiles.Converge).Split('\n')[1], userData, StringComparison.Ordinal);
        var script = userData[userData.IndexOf("runcmd:", StringComparison.Ordinal)..];
        Assert.Contains(GuestFiles.Read(GuestFiles.ConvergeUnit).Split('\n')[1], userData, StringComparison.Ordinal);
        Assert.Contains("path: /etc/systemd/system/kvedge-apply.service", userData, StringComparison.Ordinal);
        var order = new[] { "kvedge-converge --bake", "systemctl enable kvedge-converge.service kvedge-apply.service", "userdel --remove kvedge-bake", "cloud-init clean --logs", "ssh_host_", "/etc/machine-id", "fstrim", BakeUserData.Succeeded, "systemctl poweroff" }
            .Select(s => script.IndexOf(s, StringComparison.Ordinal)).ToList();
        Assert.DoesNotContain(-1, order);
        Assert.Equal(order.Order(), order);
        Assert.Equal(BakeUserData.Render(), userData); // deterministic
    }

    [Fact]
    public void The_bake_boot_has_its_own_instance_id()
    {
        Assert.Equal("""{"instance-id":"kvedge-bake-abc","local-hostname":"kvedge-bake"}""", BakeUserData.MetaData("abc"));
    }
}
