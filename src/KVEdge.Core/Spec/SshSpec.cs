namespace KVEdge.Core.Spec;

public sealed class SshSpec
{
    /// <summary>The admin user cloud-init creates; password login is always off.</summary>
    public string User { get; set; } = "azureuser";

    /// <summary>OpenSSH public keys (ed25519, ecdsa-sha2-nistp256/384/521, or rsa of at least 2048 bits).</summary>
    public IList<string> AuthorizedKeys { get; set; } = [];
}
