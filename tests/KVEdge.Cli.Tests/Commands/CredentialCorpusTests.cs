using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KVEdge.Testing;

namespace KVEdge.Cli.Tests.Commands;

/// <summary>
/// Malformed credentials, each through the real command line: exit code 2 (an expired certificate only warns), the
/// exact field and message, and the credential itself nowhere in the output.
/// </summary>
public class CredentialCorpusTests
{
    private const string Hub = "contoso-hub.azure-devices.net";
    private static readonly string Key32 = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
    private static readonly string EdgeCert = TestCredentials.Read("edge-x509.pem");
    private static readonly string EdgeKey = TestCredentials.Read("edge-x509.key.pem");
    private static readonly string DpsKey = TestCredentials.Read("dps-x509-01.key.pem");

    private const string ConnectionStringMode = "provisioning: {source: manual, method: connectionString}\ncredentials: {connectionStringEnv: KVEDGE_CRED}";
    private const string SasMode = "provisioning: {source: manual, method: symmetricKey, iothubHostname: " + Hub + ", deviceId: edge-01}\ncredentials: {symmetricKeyEnv: KVEDGE_CRED}";
    private const string GroupMode = "provisioning: {source: dps, method: symmetricKey, enrollment: group, idScope: 0ne00000A0A, registrationId: edge-01}\ncredentials: {symmetricKeyEnv: KVEDGE_CRED}";
    private const string X509Mode = "provisioning: {source: manual, method: x509, iothubHostname: " + Hub + ", deviceId: edge-x509}\ncredentials: {identityCertEnv: KVEDGE_CERT, identityKeyEnv: KVEDGE_KEY}";
    private const string DpsX509Mode = "provisioning: {source: dps, method: x509, idScope: 0ne00000A0A, registrationId: someone-else}\ncredentials: {identityCertEnv: KVEDGE_CERT, identityKeyEnv: KVEDGE_KEY}";
    private const string EdgeCaMode = "provisioning: {source: dps, method: tpm, idScope: 0ne00000A0A, registrationId: edge-01}\ncredentials: {edgeCaCertEnv: KVEDGE_CERT, edgeCaKeyEnv: KVEDGE_KEY}";

    private const string CsPath = "spec.iotEdge.credentials.connectionString";
    private const string KeyPath = "spec.iotEdge.credentials.symmetricKey";

    public sealed record CredentialCase(string Name, string IotEdge, Dictionary<string, string> Env, string Path, string Message, bool WarningOnly = false);

    private static Dictionary<string, string> Cred(string value) => new() { ["KVEDGE_CRED"] = value };

    private static Dictionary<string, string> Pair(string cert, string key) => new() { ["KVEDGE_CERT"] = cert, ["KVEDGE_KEY"] = key };

    public static IReadOnlyList<CredentialCase> All { get; } =
    [
        new CredentialCase("cs missing HostName", ConnectionStringMode, Cred($"DeviceId=edge-01;SharedAccessKey={Key32}"), CsPath, "required part HostName is missing"),
        new CredentialCase("cs missing DeviceId", ConnectionStringMode, Cred($"HostName={Hub};SharedAccessKey={Key32}"), CsPath, "required part DeviceId is missing"),
        new CredentialCase("cs missing key", ConnectionStringMode, Cred($"HostName={Hub};DeviceId=edge-01"), CsPath, "required part SharedAccessKey is missing"),
        new CredentialCase("cs hub policy", ConnectionStringMode, Cred($"HostName={Hub};SharedAccessKeyName=iothubowner;SharedAccessKey={Key32}"), CsPath, "IoT Hub policy connection string"),
        new CredentialCase("cs module", ConnectionStringMode, Cred($"HostName={Hub};DeviceId=edge-01;ModuleId=m1;SharedAccessKey={Key32}"), CsPath, "module connection string"),
        new CredentialCase("cs x509", ConnectionStringMode, Cred($"HostName={Hub};DeviceId=edge-01;x509=true"), CsPath, "X.509 device connection string"),
        new CredentialCase("cs lower-case hostname", ConnectionStringMode, Cred($"hostname={Hub};DeviceId=edge-01;SharedAccessKey={Key32}"), CsPath, "unknown part 'hostname' (did you mean 'HostName'?)"),
        new CredentialCase("cs bad base64", ConnectionStringMode, Cred($"HostName={Hub};DeviceId=edge-01;SharedAccessKey=not*base64!"), CsPath, "SharedAccessKey is not valid base64"),
        new CredentialCase("cs short key", ConnectionStringMode, Cred($"HostName={Hub};DeviceId=edge-01;SharedAccessKey=aGVsbG8="), CsPath, "SharedAccessKey decodes to 5 bytes"),
        new CredentialCase("cs long key", ConnectionStringMode, Cred($"HostName={Hub};DeviceId=edge-01;SharedAccessKey={Convert.ToBase64String(new byte[100])}"), CsPath, "SharedAccessKey decodes to 100 bytes"),
        new CredentialCase("cs plus in device id", ConnectionStringMode, Cred($"HostName={Hub};DeviceId=edge+01;SharedAccessKey={Key32}"), CsPath, "DeviceId must not contain '+' or '#'"),
        new CredentialCase("cs foreign host", ConnectionStringMode, Cred($"HostName=contoso.example.com;DeviceId=edge-01;SharedAccessKey={Key32}"), CsPath, "HostName 'contoso.example.com' must be an IoT Hub host name"),
        new CredentialCase("cs duplicate part", ConnectionStringMode, Cred($"HostName={Hub};DeviceId=a;DeviceId=b;SharedAccessKey={Key32}"), CsPath, "DeviceId is given twice"),
        new CredentialCase("cs quote", ConnectionStringMode, Cred($"HostName={Hub};DeviceId=\"edge\";SharedAccessKey={Key32}"), CsPath, "must be one line without quotes or backslashes"),
        new CredentialCase("cs two lines", ConnectionStringMode, Cred($"HostName={Hub};DeviceId=edge-01\nSharedAccessKey={Key32}"), CsPath, "must be one line without quotes or backslashes"),
        new CredentialCase("cs gateway", ConnectionStringMode, Cred($"HostName={Hub};DeviceId=edge-01;SharedAccessKey={Key32};GatewayHostName=gw"), CsPath, "GatewayHostName is for leaf devices"),
        new CredentialCase("cs part without =", ConnectionStringMode, Cred($"HostName={Hub};DeviceId;SharedAccessKey={Key32}"), CsPath, "every part must be Key=Value"),
        new CredentialCase("cs spaced key", ConnectionStringMode, Cred($"HostName={Hub}; DeviceId=edge-01;SharedAccessKey={Key32}"), CsPath, "part 'DeviceId' has spaces around its name"),
        new CredentialCase("cs semicolon device id", ConnectionStringMode, Cred($"HostName={Hub};DeviceId=edge;01;SharedAccessKey={Key32}"), CsPath, "every part must be Key=Value"),
        new CredentialCase("sas bad base64", SasMode, Cred("@@@@"), KeyPath, "the symmetric key is not valid base64"),
        new CredentialCase("sas short", SasMode, Cred(Convert.ToBase64String(new byte[8])), KeyPath, "the symmetric key decodes to 8 bytes"),
        new CredentialCase("sas long", SasMode, Cred(Convert.ToBase64String(new byte[65])), KeyPath, "the symmetric key decodes to 65 bytes"),
        new CredentialCase("sas inner space", SasMode, Cred(Key32[..10] + " " + Key32[10..]), KeyPath, "the symmetric key is not valid base64"),
        new CredentialCase("sas connection string as key", SasMode, Cred($"HostName={Hub};DeviceId=edge-01;SharedAccessKey={Key32}"), KeyPath, "the symmetric key is not valid base64"),
        new CredentialCase("group bad base64", GroupMode, Cred("group-key-%%%"), KeyPath, "the group key is not valid base64"),
        new CredentialCase("group short", GroupMode, Cred(Convert.ToBase64String(new byte[12])), KeyPath, "the group key decodes to 12 bytes"),
        new CredentialCase("cert not pem", X509Mode, Pair("hello", EdgeKey), "spec.iotEdge.credentials.identityCert", "identityCert is not a PEM certificate"),
        new CredentialCase("cert broken body", X509Mode, Pair("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", EdgeKey), "spec.iotEdge.credentials.identityCert", "identityCert is not a valid PEM certificate"),
        new CredentialCase("cert with key inside", X509Mode, Pair(EdgeCert + EdgeKey, EdgeKey), "spec.iotEdge.credentials.identityCert", "identityCert holds a private key"),
        new CredentialCase("key not pem", X509Mode, Pair(EdgeCert, "hello"), "spec.iotEdge.credentials.identityKey", "identityKey is not a PEM private key"),
        new CredentialCase("key broken body", X509Mode, Pair(EdgeCert, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), "spec.iotEdge.credentials.identityKey", "identityKey is not a readable RSA or EC private key"),
        new CredentialCase("key encrypted", X509Mode, Pair(EdgeCert, EncryptedKey()), "spec.iotEdge.credentials.identityKey", "identityKey is encrypted"),
        new CredentialCase("key of another cert", X509Mode, Pair(EdgeCert, DpsKey), "spec.iotEdge.credentials.identityKey", "identityKey does not belong to identityCert"),
        new CredentialCase("cert expired", X509Mode, ExpiredPair(), "spec.iotEdge.credentials.identityCert", "identityCert expired on 2021-01-01", WarningOnly: true),
        new CredentialCase("dps registration id is not the CN", DpsX509Mode, Pair(EdgeCert, EdgeKey), "spec.iotEdge.provisioning.registrationId", "must equal the identity certificate's common name 'edge-x509'"),
        new CredentialCase("manual device id is not the CN", X509Mode.Replace("deviceId: edge-x509", "deviceId: edge-02", StringComparison.Ordinal), Pair(EdgeCert, EdgeKey), "spec.iotEdge.provisioning.deviceId", "must equal the identity certificate's common name 'edge-x509'"),
        new CredentialCase("edge ca key mismatch", EdgeCaMode, Pair(TestCredentials.Read("edge-ca.pem"), EdgeKey), "spec.iotEdge.credentials.edgeCaKey", "edgeCaKey does not belong to edgeCaCert"),
        new CredentialCase("edge ca without key", "provisioning: {source: dps, method: tpm, idScope: 0ne00000A0A, registrationId: edge-01}\ncredentials: {edgeCaCertEnv: KVEDGE_CERT}", Pair(TestCredentials.Read("edge-ca.pem"), ""), "spec.iotEdge.credentials.edgeCaKey", "the Edge CA needs both edgeCaCert and edgeCaKey"),
        new CredentialCase("env not set", ConnectionStringMode, [], "spec.iotEdge.credentials.connectionStringEnv", "environment variable KVEDGE_CRED is not set"),
        new CredentialCase("env name invalid", "provisioning: {source: manual, method: connectionString}\ncredentials: {connectionStringEnv: \"1BAD\"}", [], "spec.iotEdge.credentials.connectionStringEnv", "'1BAD' is not an environment variable name"),
        new CredentialCase("existing secret and env", "provisioning: {source: manual, method: connectionString}\ncredentials: {existingSecret: s1, connectionStringEnv: KVEDGE_CRED}", Cred($"HostName={Hub};DeviceId=edge-01;SharedAccessKey={Key32}"), "spec.iotEdge.credentials.connectionStringEnv", "existingSecret supplies connection-string"),
        new CredentialCase("credential the mode ignores", "provisioning: {source: manual, method: connectionString}\ncredentials: {connectionStringEnv: KVEDGE_CRED, symmetricKeyEnv: KVEDGE_KEY}", new() { ["KVEDGE_CRED"] = $"HostName={Hub};DeviceId=edge-01;SharedAccessKey={Key32}", ["KVEDGE_KEY"] = Key32 }, "spec.iotEdge.credentials.symmetricKeyEnv", "manual connectionString does not use symmetricKey"),
        new CredentialCase("mode without its credential", "provisioning: {source: manual, method: x509, iothubHostname: " + Hub + ", deviceId: edge-x509}", [], "spec.iotEdge.credentials.identityCert", "manual x509 needs identityCert"),
        new CredentialCase("trust bundle not pem", ConnectionStringMode + "\ntrustBundle: \"not a certificate\"", Cred($"HostName={Hub};DeviceId=edge-01;SharedAccessKey={Key32}"), "spec.iotEdge.trustBundle", "the trust bundle is not a PEM certificate"),
    ];

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var c in All)
        {
            data.Add(c.Name);
        }

        return data;
    }

    [Fact]
    public void Corpus_has_at_least_forty_cases() => Assert.True(All.Count >= 40);

    [Theory]
    [MemberData(nameof(Names))]
    public void Each_malformed_credential_gets_its_exact_message_and_is_never_echoed(string name)
    {
        var c = All.Single(x => x.Name == name);
        var spec = Specs.Minimal(extraSpec: "iotEdge:\n" + string.Join("\n", c.IotEdge.Split('\n').Select(l => "  " + l)));
        var (code, console) = TestConsole.RunWith(spec, c.Env, "template", "-f", "-");
        Assert.Equal(c.WarningOnly ? ExitCodes.Success : ExitCodes.InvalidInput, code);
        if (!c.WarningOnly)
        {
            Assert.Equal("", console.Out);
        }

        var line = console.Err.Split('\n').FirstOrDefault(l => l.Contains($" {c.Path}: ", StringComparison.Ordinal) && l.Contains(c.Message, StringComparison.Ordinal));
        Assert.True(line is not null, $"expected '{c.Path}: ...{c.Message}' in:\n{console.Err}");
        foreach (var value in c.Env.Values.Where(v => v.Length > 0))
        {
            foreach (var secret in SecretParts(value))
            {
                Assert.DoesNotContain(secret, console.Err, StringComparison.Ordinal);
                if (!c.WarningOnly)
                {
                    Assert.DoesNotContain(secret, console.Out, StringComparison.Ordinal);
                }
            }
        }
    }

    // The parts of a value that are secret: a key, a private key's body; not the public parts of a certificate.
    private static IEnumerable<string> SecretParts(string value)
    {
        if (value.Contains("CERTIFICATE-----", StringComparison.Ordinal) && !value.Contains("PRIVATE KEY", StringComparison.Ordinal))
        {
            yield break;
        }

        if (value.Contains("SharedAccessKey=", StringComparison.Ordinal))
        {
            var key = value.Split("SharedAccessKey=")[1].Split(';')[0];
            if (key.Length >= 6)
            {
                yield return key;
            }

            yield break;
        }

        foreach (var line in value.Split('\n').Where(l => l.Length >= 12 && !l.StartsWith("-----", StringComparison.Ordinal)))
        {
            yield return line;
        }
    }

    private static string EncryptedKey()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return ec.ExportEncryptedPkcs8PrivateKeyPem("pw", new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 1000));
    }

    private static Dictionary<string, string> ExpiredPair()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=edge-x509", ec, HashAlgorithmName.SHA256);
        using var cert = request.CreateSelfSigned(new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2021, 1, 1, 0, 0, 0, TimeSpan.Zero));
        return Pair(cert.ExportCertificatePem(), ec.ExportPkcs8PrivateKeyPem());
    }
}
