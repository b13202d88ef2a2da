using KVEdge.Core.Rendering.IotEdge;
using KVEdge.Core.Validation.Credentials;

namespace KVEdge.Core.Actions;

/// <summary>`kvedge dps derive-key`: a DPS symmetric-key group enrollment's device key, Base64(HMAC-SHA256(groupKey, registrationId)).</summary>
public static class DpsDeriveKeyAction
{
    public static DpsDeriveKeyResult Run(DpsDeriveKeyOptions options)
    {
        var key = options.GroupKey.Trim();
        var problems = new List<string>();
        if (IotIdentifiers.CheckSymmetricKey(key, out _) is { } keyReason)
        {
            problems.Add($"--group-key: the group key {keyReason}");
        }

        if (IotIdentifiers.CheckRegistrationId(options.RegistrationId) is { } idReason)
        {
            problems.Add($"--registration-id: {Diagnostics.DisplayText.Value(options.RegistrationId)} {idReason}");
        }

        return problems.Count > 0 ? new DpsDeriveKeyResult(null, problems) : new DpsDeriveKeyResult(DpsKeyDerivation.DeriveDeviceKey(key, options.RegistrationId), []);
    }
}
