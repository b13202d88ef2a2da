using System.Globalization;
using KVEdge.Core.Rendering;
using KVEdge.Core.Validation;

namespace KVEdge.Core.Tests.Rendering;

public class DeviceIdentityTests
{
    [Fact]
    public void Name_based_uuid_matches_the_rfc_9562_test_vector()
    {
        // RFC 9562 appendix A.4: UUIDv5 of "www.example.com" in the DNS namespace.
        var dns = new Guid("6ba7b810-9dad-11d1-80b4-00c04fd430c8");
        Assert.Equal("2ed6657d-e927-568b-95e1-2665a8aea6a2", DeviceIdentity.NameBasedUuid(dns, "www.example.com").ToString("D"));
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
            Assert.Equal(0x02, first & 0x03);
        }
    }
}
