using System.Diagnostics;
using System.Globalization;
using System.Net;
using KVEdge.Core.IotHub;
using KVEdge.Testing;

namespace KVEdge.Core.Tests.IotHub;

public class SasTokenTests
{
    private const string Key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    private static Dictionary<string, string> Fields(string token)
    {
        Assert.StartsWith("SharedAccessSignature ", token, StringComparison.Ordinal);
        return token["SharedAccessSignature ".Length..].Split('&').Select(f => f.Split('=', 2)).ToDictionary(f => f[0], f => f[1], StringComparer.Ordinal);
    }

    // The vector in ../shared/reference/iothub-dps-rest.md, computed with the service SDK's builder.
    [Fact]
    public void Signs_the_documented_vector()
    {
        var token = SasToken.Create("myhub.azure-devices.net", Key, "iothubowner", DateTimeOffset.FromUnixTimeSeconds(1700000000));

        var fields = Fields(token);
        Assert.Equal("myhub.azure-devices.net", fields["sr"]);
        Assert.Equal("iIzEw6hi6GK79RY5jNXO6QeQkSL/Ax4zTmy44X2G1VY=", WebUtility.UrlDecode(fields["sig"]));
        Assert.Equal("1700000000", fields["se"]);
        Assert.Equal("iothubowner", fields["skn"]);
        Assert.DoesNotContain("/", fields["sig"], StringComparison.Ordinal);
    }

    // Against openssl, the documentation's own shell recipe, over the URL-encoded resource as sent (a device-scoped
    // resource has a slash and may have characters to encode).
    [Fact]
    public void Equals_the_openssl_recipe()
    {
        var openssl = ExternalTool.Require("openssl");
        var random = new Random(11);
        foreach (var resource in new[] { "hub-a.azure-devices.net", "dps-1.azure-devices-provisioning.net", "hub-a.azure-devices.net/devices/line 3:press#2" })
        {
            var key = new byte[32 + random.Next(33)];
            random.NextBytes(key);
            var expiry = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000 + random.Next(1_000_000));
            var fields = Fields(SasToken.Create(resource, Convert.ToBase64String(key), "registryReadWrite", expiry));

            var psi = new ProcessStartInfo(openssl) { RedirectStandardInput = true, RedirectStandardOutput = true };
            foreach (var a in new[] { "dgst", "-sha256", "-mac", "HMAC", "-macopt", "hexkey:" + Convert.ToHexString(key), "-binary" })
            {
                psi.ArgumentList.Add(a);
            }

            using var p = Process.Start(psi)!;
            p.StandardInput.Write($"{WebUtility.UrlEncode(resource)}\n{expiry.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}");
            p.StandardInput.Close();
            using var ms = new MemoryStream();
            p.StandardOutput.BaseStream.CopyTo(ms);
            p.WaitForExit();

            Assert.Equal(0, p.ExitCode);
            Assert.Equal(Convert.ToBase64String(ms.ToArray()), WebUtility.UrlDecode(fields["sig"]));
            Assert.Equal(WebUtility.UrlEncode(resource), fields["sr"]);
        }
    }

    [Fact]
    public void A_token_is_kept_while_it_has_time_left_then_made_again_before_it_expires_and_at_once_after_a_refusal()
    {
        var time = new ManualTime(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        var source = new SasTokenSource("hub-a.azure-devices.net", Key, "registryReadWrite", time);

        var first = source.Current;
        Assert.Equal("1800001200", Fields(first)["se"]);
        time.Now += TimeSpan.FromMinutes(14);
        Assert.Same(first, source.Current);

        time.Now += TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1);
        var second = source.Current;
        Assert.NotEqual(first, second);
        Assert.Equal((1_800_000_000 + (15 * 60) + 1 + (20 * 60)).ToString(CultureInfo.InvariantCulture), Fields(second)["se"]);

        time.Now += TimeSpan.FromSeconds(1);
        source.Refused();
        Assert.NotEqual(second, source.Current);
    }

    private sealed class ManualTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
