using KVEdge.Core.Attestation;
using KVEdge.Testing;

namespace KVEdge.Core.Tests.Attestation;

/// <summary>Endorsement keys as tpm2-tools writes them from a real swtpm (tests/testdata/tpm/README.md).</summary>
public sealed class EndorsementKeyTests
{
    private static string Fixture(string name) => Path.Combine(RepoPaths.TestData, "tpm", name);

    [Fact]
    public void An_RSA_endorsement_key_from_tpm2_tools_gives_the_registration_id_sha256sum_gives()
    {
        var bytes = File.ReadAllBytes(Fixture("ek-swtpm.pub"));
        var key = EndorsementKey.Parse(bytes, out var error);
        Assert.Null(error);
        Assert.NotNull(key);
        Assert.Equal(("rsa", 2048, 0x000300B2u), (key.Algorithm, key.KeyBits, key.Attributes));
        var sha256sum = ExternalTool.Run(ExternalTool.Require("sha256sum"), [Fixture("ek-swtpm.pub")]);
        Assert.Equal(sha256sum.StdOut.Split(' ')[0], key.RegistrationId);
        var base64 = ExternalTool.Run(ExternalTool.Require("base64"), ["-w0", Fixture("ek-swtpm.pub")]);
        Assert.Equal(base64.StdOut, key.Base64);
    }

    [Fact]
    public void An_ECC_endorsement_key_is_read_too()
    {
        var key = EndorsementKey.Parse(File.ReadAllBytes(Fixture("ek-ecc-swtpm.pub")), out var error);
        Assert.Null(error);
        Assert.Equal(("ecc", 256), (key!.Algorithm, key.KeyBits));
    }

    [Fact]
    public void Bytes_that_are_not_a_whole_endorsement_key_are_refused_with_the_reason()
    {
        var bytes = File.ReadAllBytes(Fixture("ek-swtpm.pub"));
        Assert.Null(EndorsementKey.Parse(bytes.AsSpan(0, 200), out var truncated));
        Assert.Equal("a TPM2B_PUBLIC of 200 bytes says it holds 314", truncated);

        Assert.Null(EndorsementKey.Parse([.. bytes, 0], out var longer));
        Assert.Equal("a TPM2B_PUBLIC of 317 bytes says it holds 314", longer);

        var grown = bytes.ToArray();
        grown[1]++; // one more byte than there is
        Assert.Null(EndorsementKey.Parse([.. grown, 0x00], out var trailing));
        Assert.Equal("1 bytes after the key", trailing);

        // A signing key (sign, not restricted decrypt) is not an endorsement key.
        var signing = bytes.ToArray();
        signing[6] = 0x00;
        signing[7] = 0x04;
        Assert.Null(EndorsementKey.Parse(signing, out var attributes));
        Assert.Equal("object attributes 0x000400b2 are not an endorsement key's (restricted, decrypt)", attributes);

        var keyedHash = bytes.ToArray();
        keyedHash[3] = 0x08;
        Assert.Null(EndorsementKey.Parse(keyedHash, out var type));
        Assert.Equal("a key of type 0x0008, neither RSA (0x0001) nor ECC (0x0023)", type);

        Assert.Null(EndorsementKey.Parse([0x00], out var empty));
        Assert.Equal("the key ends early (1 bytes)", empty);
    }
}
