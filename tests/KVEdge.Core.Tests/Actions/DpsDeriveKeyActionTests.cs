using KVEdge.Core.Actions;
using KVEdge.Testing;

namespace KVEdge.Core.Tests.Actions;

public sealed class DpsDeriveKeyActionTests
{
    [Fact]
    public void The_device_key_is_the_HMAC_of_the_registration_id()
    {
        // The documented derivation (learn.microsoft.com, "How to provision devices using symmetric key enrollment
        // groups"): Base64(HMAC-SHA256(Base64Decode(groupKey), registrationId)), checked against .NET's HMAC here.
        var groupKey = TestCredentials.Read("group-key.txt").Trim();
        var result = DpsDeriveKeyAction.Run(new DpsDeriveKeyOptions(groupKey + "\n", "sn-007"));
        Assert.Null(result.Failure);
        using var hmac = new System.Security.Cryptography.HMACSHA256(Convert.FromBase64String(groupKey));
        Assert.Equal(Convert.ToBase64String(hmac.ComputeHash(System.Text.Encoding.UTF8.GetBytes("sn-007"))), result.DeviceKey);
    }

    [Fact]
    public void Every_problem_is_reported_at_once_and_the_key_is_never_shown()
    {
        var result = DpsDeriveKeyAction.Run(new DpsDeriveKeyOptions("not base64 at all!", "SN/007\u001b[31m"));
        Assert.Null(result.DeviceKey);
        Assert.Equal(FailureKind.InvalidInput, result.Failure?.Kind);
        Assert.Equal(2, result.Problems.Count);
        Assert.StartsWith("--group-key: the group key", result.Problems[0], StringComparison.Ordinal);
        Assert.DoesNotContain("not base64", string.Join("\n", result.Problems), StringComparison.Ordinal);
        Assert.StartsWith("--registration-id: 'SN/007\\x1b[31m'", result.Problems[1], StringComparison.Ordinal);
    }
}
