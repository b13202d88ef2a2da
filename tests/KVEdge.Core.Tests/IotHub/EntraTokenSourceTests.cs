using Azure.Core;
using KVEdge.Core.IotHub;

namespace KVEdge.Core.Tests.IotHub;

public sealed class EntraTokenSourceTests
{
    [Theory]
    [InlineData("hub-a.azure-devices.net", "https://iothubs.azure.net/.default")]
    [InlineData("HUB-A.Azure-Devices.NET", "https://iothubs.azure.net/.default")]
    [InlineData("dps-1.azure-devices-provisioning.net", "https://azure-devices-provisioning.net/.default")]
    [InlineData("hub-cn.azure-devices.cn", "https://iothubs.chinacloudapi.cn/.default")]
    [InlineData("dps-cn.azure-devices-provisioning.cn", "https://azure-devices-provisioning.cn/.default")]
    public void Each_service_host_gets_its_services_scope(string host, string scope) => Assert.Equal(scope, EntraTokenSource.ScopeFor(host));

    private sealed class Recording : TokenCredential
    {
        public List<string[]> Scopes { get; } = [];

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            Scopes.Add(requestContext.Scopes);
            return new AccessToken("token-" + Scopes.Count, DateTimeOffset.UtcNow.AddHours(1));
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }

    [Fact]
    public async Task The_header_is_a_bearer_token_for_the_scope_asked_of_the_credential_each_time()
    {
        var credential = new Recording();
        var source = new EntraTokenSource(credential, "https://iothubs.azure.net/.default");
        Assert.Equal("Bearer token-1", await source.AuthorizationAsync(CancellationToken.None));
        Assert.Equal("Bearer token-2", await source.AuthorizationAsync(CancellationToken.None));
        Assert.All(credential.Scopes, s => Assert.Equal(["https://iothubs.azure.net/.default"], s));
    }
}
