namespace KVEdge.Testing;

/// <summary>
/// The fake credentials in tests/testdata/credentials, as the environment variables tests/testdata/iotedge/modes.yaml
/// names; and every value, so tests can prove none leaks where it must not.
/// </summary>
public static class TestCredentials
{
    public static string Dir => Path.Combine(RepoPaths.TestData, "credentials");

    public static string Read(string file) => File.ReadAllText(Path.Combine(Dir, file));

    public static IReadOnlyDictionary<string, string> Environment { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["KVEDGE_TEST_CONNECTION_STRING"] = Read("connection-string.txt"),
        ["KVEDGE_TEST_DEVICE_KEY"] = Read("device-key.txt"),
        ["KVEDGE_TEST_GROUP_KEY"] = Read("group-key.txt"),
        ["KVEDGE_TEST_EDGE_X509_CERT"] = Read("edge-x509.pem"),
        ["KVEDGE_TEST_EDGE_X509_KEY"] = Read("edge-x509.key.pem"),
        ["KVEDGE_TEST_DPS_X509_CERT"] = Read("dps-x509-01.pem"),
        ["KVEDGE_TEST_DPS_X509_KEY"] = Read("dps-x509-01.key.pem"),
        ["KVEDGE_TEST_EDGE_CA_CERT"] = Read("edge-ca.pem"),
        ["KVEDGE_TEST_EDGE_CA_KEY"] = Read("edge-ca.key.pem"),
        ["KVEDGE_TEST_CONFIG_TOML"] = File.ReadAllText(Path.Combine(RepoPaths.Shared, "reference", "iotedge", "01-manual-connection-string.toml")),
    };

    /// <summary>Secret parts that must never appear outside the credentials Secret: keys and the key part of connection strings.</summary>
    public static IEnumerable<string> SecretFragments()
    {
        yield return Read("device-key.txt").Trim();
        yield return Read("group-key.txt").Trim();
        yield return Read("connection-string.txt").Split("SharedAccessKey=")[1].Trim();
        foreach (var pem in new[] { "edge-x509.key.pem", "dps-x509-01.key.pem", "edge-ca.key.pem" })
        {
            // A line from the middle of each private key's base64 body.
            var lines = Read(pem).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            yield return lines[lines.Length / 2];
        }
    }
}
