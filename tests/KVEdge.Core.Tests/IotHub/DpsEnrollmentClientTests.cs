using System.Text.Json.Nodes;
using KVEdge.Core.IotHub;
using KVEdge.Testing.ApiServer;

namespace KVEdge.Core.Tests.IotHub;

// The enrollment client against the DPS double (tests/KVEdge.Testing.ApiServer/DpsDouble.cs): test code, not Azure.
public sealed class DpsEnrollmentClientTests : IAsyncLifetime, IDisposable
{
    private const string Key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    private DpsDouble _dps = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _dps = await DpsDouble.StartAsync();
        _dps.AddPolicy("provisioningserviceowner", Key, "ServiceConfig", "EnrollmentRead", "EnrollmentWrite");
        _dps.AddPolicy("enrollmentread", Key, "EnrollmentRead");
        _http = new HttpClient(_dps.TrustingHandler());
    }

    public async Task DisposeAsync() => await _dps.DisposeAsync();

    public void Dispose() => _http.Dispose();

    private DpsEnrollmentClient Client(string policy = "provisioningserviceowner") =>
        new(_http, _dps.Url, new SasTokenSource(_dps.HostName, Key, policy, TimeProvider.System));

    private static JsonObject Enrollment(string id) => new()
    {
        ["registrationId"] = id,
        ["capabilities"] = new JsonObject { ["iotEdge"] = true },
        ["attestation"] = new JsonObject { ["type"] = "symmetricKey" },
    };

    [Fact]
    public async Task Creates_an_edge_enrollment_with_generated_keys_that_a_read_does_not_return()
    {
        var client = Client();
        Assert.Null(await client.GetEnrollmentAsync("line-3-press", CancellationToken.None));

        var created = await client.PutEnrollmentAsync(Enrollment("line-3-press"), null, CancellationToken.None);
        Assert.Equal(64, Convert.FromBase64String(created["attestation"]!["symmetricKey"]!["primaryKey"]!.GetValue<string>()).Length);
        Assert.True(created["capabilities"]!["iotEdge"]!.GetValue<bool>());

        var read = (await client.GetEnrollmentAsync("line-3-press", CancellationToken.None))!;
        Assert.Null(read["attestation"]!["symmetricKey"]!["primaryKey"]);
        Assert.Equal(created["etag"]!.GetValue<string>(), read["etag"]!.GetValue<string>());
    }

    [Fact]
    public async Task Registration_ids_are_case_insensitive_and_an_update_needs_the_current_ETag()
    {
        var client = Client();
        var created = await client.PutEnrollmentAsync(Enrollment("dev1"), null, CancellationToken.None);

        var again = await Assert.ThrowsAsync<IotHubException>(() => client.PutEnrollmentAsync(Enrollment("Dev1"), null, CancellationToken.None));
        Assert.Equal(409, again.Status);
        Assert.Equal("409201", again.ErrorCode);

        var update = Enrollment("dev1");
        update["provisioningStatus"] = "disabled";
        var updated = await client.PutEnrollmentAsync(update, created["etag"]!.GetValue<string>(), CancellationToken.None);
        Assert.Equal("disabled", updated["provisioningStatus"]!.GetValue<string>());

        _dps.SendErrorCodeHeader = false;
        var stale = await Assert.ThrowsAsync<IotHubException>(() => client.PutEnrollmentAsync(update, created["etag"]!.GetValue<string>(), CancellationToken.None));
        Assert.Equal(412, stale.Status);
        Assert.Equal("412001", stale.ErrorCode);
        Assert.StartsWith("DPS refused PUT /enrollments/dev1: 412", stale.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_read_only_policy_cannot_enroll_and_is_told_which_right_it_lacks()
    {
        var refused = await Assert.ThrowsAsync<IotHubException>(() => Client("enrollmentread").PutEnrollmentAsync(Enrollment("dev1"), null, CancellationToken.None));

        Assert.Equal(401, refused.Status);
        Assert.Contains("EnrollmentWrite", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, refused.Message, StringComparison.Ordinal);
        Assert.Null(_dps.Enrollment("dev1"));
    }

    [Fact]
    public async Task With_Entra_ID_the_principal_needs_the_Data_Contributor_role_and_a_token_for_DPS_not_for_the_hub()
    {
        await using var entra = await EntraDouble.StartAsync();
        var assertion = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6a3ZlZGdlOmt2ZWRnZSJ9.c2ln";
        var folder = Directory.CreateTempSubdirectory("kvedge-dps-entra-").FullName;
        var tokenFile = Path.Combine(folder, "token");
        await File.WriteAllTextAsync(tokenFile, assertion);
        entra.AddWorkloadIdentity("0000000a-0000-4000-8000-000000000001", assertion, "principal-1");
        _dps.TrustEntra(entra);
        var credential = new Azure.Identity.WorkloadIdentityCredential(new Azure.Identity.WorkloadIdentityCredentialOptions
        {
            TenantId = entra.TenantId,
            ClientId = "0000000a-0000-4000-8000-000000000001",
            TokenFilePath = tokenFile,
            AuthorityHost = entra.Url,
            DisableInstanceDiscovery = true,
            Transport = new Azure.Core.Pipeline.HttpClientTransport(entra.TrustingHandler()),
        });
        DpsEnrollmentClient With(string scope) => new(_http, _dps.Url, new EntraTokenSource(credential, scope));
        var client = With(EntraTokenSource.ScopeFor(_dps.HostName));

        // A reader may read, not write: the 401 names the role.
        _dps.AssignRole("principal-1", "Device Provisioning Service Data Reader");
        Assert.Null(await client.GetEnrollmentAsync("line-3-press", CancellationToken.None));
        var refused = await Assert.ThrowsAsync<IotHubException>(() => client.PutEnrollmentAsync(Enrollment("line-3-press"), null, CancellationToken.None));
        Assert.Equal(401, refused.Status);
        Assert.Contains("or the Entra principal the role Device Provisioning Service Data Contributor", refused.Message, StringComparison.Ordinal);

        _dps.AssignRole("principal-1", "Device Provisioning Service Data Contributor");
        Assert.True((await client.PutEnrollmentAsync(Enrollment("line-3-press"), null, CancellationToken.None))["capabilities"]!["iotEdge"]!.GetValue<bool>());

        // A token for the hub's scope is not one for DPS.
        var wrongAudience = await Assert.ThrowsAsync<IotHubException>(() => With("https://iothubs.azure.net/.default").GetEnrollmentAsync("line-3-press", CancellationToken.None));
        Assert.Equal(401, wrongAudience.Status);
        Assert.DoesNotContain("eyJ", refused.Message + wrongAudience.Message, StringComparison.Ordinal);
        Directory.Delete(folder, true);
    }
}
