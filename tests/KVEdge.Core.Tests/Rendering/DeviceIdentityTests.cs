using System.Globalization;
using KVEdge.Core.Rendering;
using KVEdge.Core.Validation;

namespace KVEdge.Core.Tests.Rendering;

public class DeviceIdentityTests
{
    [Fact]
    public void Derived_uuid_is_an_rfc_9562_version_8_uuid()
    {
        for (var i = 0; i < 500; i++)
        {
            var uuid = Guid.ParseExact(DeviceIdentity.DeriveUuid("factory", $"edge-{i}"), "D");
            Assert.Equal(8, uuid.Version);
            Assert.Equal(0b10, uuid.Variant >> 2);
        }
    }

    [Fact]
    public void Derivations_match_their_definition()
    {
        // sha256("kvedge/mac/factory-a/edge-01") and sha256("kvedge/uuid/factory-a/edge-01"), computed with sha256sum.
        Assert.Equal(Expected("kvedge/mac/factory-a/edge-01", h => $"02:{h[0..2]}:{h[2..4]}:{h[4..6]}:{h[6..8]}:{h[8..10]}"), DeviceIdentity.DeriveMac("factory-a", "edge-01"));
        Assert.StartsWith(Expected("kvedge/uuid/factory-a/edge-01", h => h[0..8]), DeviceIdentity.DeriveUuid("factory-a", "edge-01"), StringComparison.Ordinal);
    }

    private static string Expected(string input, Func<string, string> shape)
    {
        var tool = KVEdge.Testing.ExternalTool.Require("sha256sum");
        var result = KVEdge.Testing.ExternalTool.Run(tool, [], input);
        return shape(result.StdOut.Split(' ')[0]);
    }

    [Fact]
    public void Derived_identity_is_stable_and_distinct_per_device()
    {
        Assert.Equal(DeviceIdentity.DeriveUuid("a", "edge-01"), DeviceIdentity.DeriveUuid("a", "edge-01"));
        Assert.NotEqual(DeviceIdentity.DeriveUuid("a", "edge-01"), DeviceIdentity.DeriveUuid("b", "edge-01"));
        Assert.NotEqual(DeviceIdentity.DeriveMac("a", "edge-01"), DeviceIdentity.DeriveMac("a", "edge-02"));
    }

    [Fact]
    public void Derived_macs_are_locally_administered_unicast()
    {
        for (var i = 0; i < 2000; i++)
        {
            var mac = DeviceIdentity.DeriveMac("factory", $"edge-{i}");
            Assert.Null(MacAddress.Check(mac));
            var first = byte.Parse(mac[..2], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            Assert.Equal(0x02, first);
        }
    }
}
