using KVEdge.Core.Rendering.IotEdge;
using KVEdge.Core.Spec;
using KVEdge.Testing.ApiServer;

namespace KVEdge.Core.Tests.Rendering.IotEdge;

public class BaseDeploymentTests
{
    private static EdgeDevice Device(string version = "1.6.0", string? fleet = null) => new()
    {
        Metadata = new DeviceMetadata { Name = "edge-01", Namespace = "factory-a" },
        Spec = new EdgeDeviceSpec
        {
            IotEdge = new IotEdgeSpec
            {
                Version = version,
                Registration = new RegistrationSpec { BaseDeployment = new BaseDeploymentSpec { Fleet = fleet, Priority = 7 } },
            },
        },
    };

    [Fact]
    public void Same_spec_same_bytes_and_id_a_change_of_pins_makes_a_new_deployment()
    {
        var a = BaseDeployment.Configuration(Device(), "default").ToJsonString();
        Assert.Equal(a, BaseDeployment.Configuration(Device(), "default").ToJsonString());
        var id = BaseDeployment.Configuration(Device(), "default")["id"]!.GetValue<string>();
        Assert.Matches("^kvedge-base-factory-a-[0-9a-f]{10}$", id);
        Assert.NotEqual(id, BaseDeployment.Configuration(Device("1.5.21"), "default")["id"]!.GetValue<string>());
        Assert.StartsWith("kvedge-base-line-1-", BaseDeployment.Configuration(Device(fleet: "line-1"), "default")["id"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_content_is_a_whole_base_edgeHubs_store_on_the_data_disk_and_its_condition_reads()
    {
        var configuration = BaseDeployment.Configuration(Device(), "default");
        Assert.Equal(7, configuration["priority"]!.GetValue<int>());
        var agent = configuration["content"]!["modulesContent"]!["$edgeAgent"]!["properties.desired"]!;
        Assert.Equal("1.1", agent["schemaVersion"]!.GetValue<string>());
        Assert.Equal("mcr.microsoft.com/azureiotedge-hub:1.6", agent["systemModules"]!["edgeHub"]!["settings"]!["image"]!.GetValue<string>());
        Assert.Contains("/var/lib/kvedge-data/edgeHub:/iotedge/storage", agent["systemModules"]!["edgeHub"]!["settings"]!["createOptions"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("1.2", configuration["content"]!["modulesContent"]!["$edgeHub"]!["properties.desired"]!["schemaVersion"]!.GetValue<string>());
        Assert.True(TargetCondition.TryParse(configuration["targetCondition"]!.GetValue<string>(), out var terms));
        Assert.Equal(2, terms.Count);
    }
}
