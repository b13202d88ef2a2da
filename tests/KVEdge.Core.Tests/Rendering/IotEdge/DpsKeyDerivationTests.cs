using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using KVEdge.Core.Rendering.IotEdge;
using KVEdge.Testing;

namespace KVEdge.Core.Tests.Rendering.IotEdge;

public class DpsKeyDerivationTests
{
    [Theory]
    [InlineData("8isrFI1sGsIlvvFSSFRiMfCNzv21fjbE/+ah/lSh3lF8e2YG1Te7w1KpZhJFFXJrqYKi9yegxkqIChbqOS9Egw==", "sn-007-888-abc-mac-a1-b2-c3-d4-e5-f6", "Jsm0lyGpjaVYVP2g3FnmnmG9dI/9qU24wNoykUmermc=")]
    [InlineData("YXppb3QtaWRlbnRpdHktc2VydmljZXxhemlvdC1pZGVudGl0eS1zZXJ2aWNlfGF6aW90LWlkZW50aXR5LXNlcg==", "my-device", "omMO3+gD0C9SVvyGkN8jxNMgebg7dAU4gliKtGBxJqE=")]
    public void Matches_the_documented_test_vectors(string groupKey, string registrationId, string expected) =>
        Assert.Equal(expected, DpsKeyDerivation.DeriveDeviceKey(groupKey, registrationId));

    public static Arbitrary<(byte[] Key, string Id)> Inputs() =>
        (from length in Gen.Choose(16, 64)
         from key in Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>(), length)
         from idLength in Gen.Choose(1, 40)
         from chars in Gen.ArrayOf(Gen.Elements("abcdefghijklmnopqrstuvwxyz0123456789-._:".ToCharArray()), idLength)
         select (key, new string(chars))).ToArbitrary();

    /// <summary>Against an independent HMAC (the instance API over the raw bytes, no base64 on the way in).</summary>
    [Property(MaxTest = 300, Arbitrary = [typeof(DpsKeyDerivationTests)])]
    public bool Equals_an_independent_hmac_sha256((byte[] Key, string Id) input)
    {
        using var hmac = new HMACSHA256(input.Key);
        var expected = Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes(input.Id)));
        return expected == DpsKeyDerivation.DeriveDeviceKey(Convert.ToBase64String(input.Key), input.Id);
    }

    /// <summary>And against the shell recipe from the DPS documentation (openssl), for a sample of inputs.</summary>
    [Fact]
    public void Equals_the_openssl_recipe()
    {
        var openssl = ExternalTool.Require("openssl");
        var random = new Random(7);
        for (var i = 0; i < 10; i++)
        {
            var key = new byte[16 + random.Next(49)];
            random.NextBytes(key);
            var id = $"device-{random.Next(100000)}";
            var psi = new ProcessStartInfo(openssl) { RedirectStandardInput = true, RedirectStandardOutput = true };
            foreach (var a in new[] { "dgst", "-sha256", "-mac", "HMAC", "-macopt", "hexkey:" + Convert.ToHexString(key), "-binary" })
            {
                psi.ArgumentList.Add(a);
            }

            using var p = Process.Start(psi)!;
            p.StandardInput.Write(id);
            p.StandardInput.Close();
            using var ms = new MemoryStream();
            p.StandardOutput.BaseStream.CopyTo(ms);
            p.WaitForExit();
            Assert.Equal(Convert.ToBase64String(ms.ToArray()), DpsKeyDerivation.DeriveDeviceKey(Convert.ToBase64String(key), id));
        }
    }
}
