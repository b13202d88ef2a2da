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
}
