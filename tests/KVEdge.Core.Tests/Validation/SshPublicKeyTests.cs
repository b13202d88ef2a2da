using KVEdge.Core.Validation;
using KVEdge.Testing;

namespace KVEdge.Core.Tests.Validation;

public class SshPublicKeyTests
{
    [Theory]
    [InlineData(256)]
    [InlineData(384)]
    [InlineData(521)]
    public void Ecdsa_keys_of_every_nist_curve_parse(int size)
    {
        var key = SshPublicKey.TryParse(TestKeys.Ecdsa(size), out var error);
        Assert.Null(error);
        Assert.Equal($"ecdsa-sha2-nistp{size}", key!.Type);
        Assert.Equal(size, key.Bits);
    }

    [Fact]
    public void Ssh_keygen_output_parses_with_its_comment()
    {
        var ed = SshPublicKey.TryParse(TestKeys.Ed25519, out _)!;
        Assert.Equal(("ssh-ed25519", "ops@factory-a"), (ed.Type, ed.Comment));
        Assert.Equal(384, SshPublicKey.TryParse(TestKeys.Ecdsa384, out _)!.Bits);
    }

    [Theory]
    [InlineData(2048, true)]
    [InlineData(3072, true)]
    [InlineData(1024, false)]
    [InlineData(2040, false)]
    public void Rsa_needs_at_least_2048_bits(int bits, bool accepted)
    {
        var key = SshPublicKey.TryParse(TestKeys.Rsa(bits), out var error);
        Assert.Equal(accepted, key is not null);
        if (!accepted)
        {
            Assert.Contains($"{bits} bits is too weak", error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_private_key_is_refused_and_never_echoed()
    {
        var pem = TestKeys.PrivateKeyPem();
        Assert.Null(SshPublicKey.TryParse(pem, out var error));
        Assert.Contains("private key", error, StringComparison.Ordinal);
        var body = pem.Split('\n')[1];
        Assert.DoesNotContain(body[..20], error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_truncated_body_is_malformed()
    {
        var parts = TestKeys.Ed25519.Split(' ');
        var truncated = Convert.ToBase64String(Convert.FromBase64String(parts[1])[..30]);
        Assert.Null(SshPublicKey.TryParse($"ssh-ed25519 {truncated}", out var error));
        Assert.Contains("malformed", error, StringComparison.Ordinal);
    }

    [Fact]
    public void An_ecdsa_key_on_the_wrong_curve_is_malformed()
    {
        var p256 = TestKeys.Ecdsa(256).Split(' ')[1];
        Assert.Null(SshPublicKey.TryParse($"ecdsa-sha2-nistp384 {p256}", out var error));
        Assert.Contains("disagree", error, StringComparison.Ordinal);
    }
}
