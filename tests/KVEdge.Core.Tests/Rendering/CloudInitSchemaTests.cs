using System.Text;
using k8s.Models;
using KVEdge.Testing;

namespace KVEdge.Core.Tests.Rendering;

/// <summary>Every rendered user-data passes the real validator, `cloud-init schema --config-file` (Debian's cloud-init).</summary>
public class CloudInitSchemaTests
{
    internal static ToolResult Schema(string userData)
    {
        var tool = ExternalTool.Require("cloud-init", "/usr/bin/cloud-init");
        var file = Path.Combine(Path.GetTempPath(), $"kvedge-userdata-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(file, userData);
        try
        {
            return ExternalTool.Run(tool, ["schema", "--config-file", file]);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [MemberData(nameof(RenderFixtures.ValidFileNames), MemberType = typeof(RenderFixtures))]
    public void Rendered_user_data_is_valid_cloud_config(string file)
    {
        foreach (var device in RenderFixtures.Render(file).Devices)
        {
            var secret = device.Objects.OfType<V1Secret>().Single(s => s.Metadata.Name.EndsWith("-cloudinit", StringComparison.Ordinal));
            var userData = Encoding.UTF8.GetString(secret.Data["userdata"]);
            Assert.StartsWith("#cloud-config\n", userData, StringComparison.Ordinal);
            var result = Schema(userData);
            Assert.True(result.ExitCode == 0, $"{device.Key}: {result.StdOut}{result.StdErr}\n{userData}");
        }
    }

    [Fact]
    public void The_validator_rejects_what_it_should()
    {
        var result = Schema("#cloud-config\nwrite_files:\n- path: /x\n  permissions: 0600\nruncmd: echo hi\n");
        Assert.NotEqual(0, result.ExitCode);
    }
}
