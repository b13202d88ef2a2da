using KVEdge.Core.Diagnostics;
using KVEdge.Core.Spec;
using KVEdge.Core.Validation.Credentials;

namespace KVEdge.Core.Validation;

/// <summary>
/// spec.iotEdge.registration: which service each provisioning mode is registered in, with what, and what kvedge does
/// not register yet (said, not silently skipped).
/// </summary>
public static partial class IotEdgeValidator
{
    private static void CheckRegistration(RuleContext c, IotEdgeSpec iot)
    {
        if (iot.Registration is not { } r)
        {
            return;
        }

        var rp = P.Child("registration");
        var p = iot.Provisioning;
        if (ProvisioningModes.IsVerbatim(iot))
        {
            c.Error(rp, "registration", "needs spec.iotEdge.provisioning to know the identity to register; a verbatim configToml carries its own");
        }
        else if (p.Source == ProvisioningSources.Manual)
        {
            if (r.IotHub is null)
            {
                c.Error(rp.Child("iotHub"), "required", "is required for source manual: the hub the device's identity is made in");
            }

            if (r.Dps is not null)
            {
                c.Error(rp.Child("dps"), "registration", "only applies to source dps");
            }

            if (p.Method == ProvisioningMethods.ConnectionString)
            {
                c.Error(P.Child("provisioning").Child("method"), "registration",
                    "connectionString cannot be registered (the hub makes the key the string would carry); use method symmetricKey with iothubHostname and deviceId, and kvedge puts the generated key into the credentials Secret");
            }

            if (r.IotHub?.Hostname is { } hub && IotIdentifiers.CheckHubHostname(hub) is null && p.IothubHostname is { } device && !string.Equals(hub, device, StringComparison.OrdinalIgnoreCase))
            {
                c.Error(rp.Child("iotHub").Child("hostname"), "registration", $"must be the hub the device connects to, spec.iotEdge.provisioning.iothubHostname {DisplayText.Value(device)}");
            }
        }
        else if (p.Source == ProvisioningSources.Dps)
        {
            if (r.Dps is null)
            {
                c.Error(rp.Child("dps"), "required", "is required for source dps: the DPS instance the device's enrollment is made in");
            }

            if (p.Enrollment == "group")
            {
                c.Error(P.Child("provisioning").Child("enrollment"), "registration", "kvedge registers individual enrollments only; create the enrollment group yourself and remove registration");
            }

            if (r.BaseDeployment.Enabled && r.IotHub is null)
            {
                c.Error(rp.Child("iotHub"), "required", "the base deployment is made in the hub DPS assigns the device to: set registration.iotHub, or baseDeployment.enabled: false");
            }
        }

        if (r.IotHub is { } h)
        {
            var hp = rp.Child("iotHub");
            c.Required(hp.Child("hostname"), h.Hostname);
            c.Name(hp.Child("hostname"), h.Hostname, IotIdentifiers.CheckHubHostname, "iothub-hostname");
            CheckAuth(c, hp.Child("auth"), h.Auth);
            c.OneOf(hp.Child("x509Authentication"), h.X509Authentication, "selfSigned", "certificateAuthority");
            c.Name(hp.Child("parentDeviceId"), h.ParentDeviceId, IotIdentifiers.CheckDeviceId, "device-id");
            if (h.ParentDeviceId is not null && iot.ParentHostname is null)
            {
                c.Error(hp.Child("parentDeviceId"), "registration", "only applies to a nested device (spec.iotEdge.parentHostname)");
            }
            else if (h.ParentDeviceId is { } parent && parent == p.DeviceId)
            {
                c.Error(hp.Child("parentDeviceId"), "registration", "must name the parent gateway, not the device itself");
            }
            else if (h.ParentDeviceId is null && iot.ParentHostname is not null && p.Source == ProvisioningSources.Manual)
            {
                c.Error(hp.Child("parentDeviceId"), "required", "is required for a nested device: the parent gateway's device id, whose scope the device's identity gets as its parent (its edgeHub admits only its children)");
            }
        }

        if (r.Dps is { } d)
        {
            var dp = rp.Child("dps");
            c.Required(dp.Child("serviceHost"), d.ServiceHost);
            if (d.ServiceHost is { } host && !DpsServiceHostRegex().IsMatch(host))
            {
                c.Error(dp.Child("serviceHost"), "dps-service-host", $"{DisplayText.Value(host)} must be a DPS service host: NAME.azure-devices-provisioning.net (or .cn, .us), not the global device endpoint");
            }

            CheckAuth(c, dp.Child("auth"), d.Auth);
        }

        c.OneOf(rp.Child("onDelete"), r.OnDelete, RegistrationOnDelete.All);
        var bp = rp.Child("baseDeployment");
        c.Range(bp.Child("priority"), r.BaseDeployment.Priority, 0, int.MaxValue);
        c.Name(bp.Child("fleet"), r.BaseDeployment.Fleet, KubernetesNames.CheckDns1123Label, "rfc1123-label");
    }

    private static void CheckAuth(RuleContext c, FieldPath path, ServiceAuthSpec auth)
    {
        if (auth.SasSecretRef is not null && auth.Entra is not null)
        {
            c.Error(path, "one-of", "give one of sasSecretRef (a shared access policy's key) and entra (Entra ID), not both");
            return;
        }

        if (auth.Entra is not null)
        {
            return;
        }

        if (auth.SasSecretRef is not { } sas)
        {
            c.Error(path.Child("sasSecretRef"), "required", "is required: the Secret holding a shared access policy's key (name, key, policyName), or entra: {} for Entra ID");
            return;
        }

        var sp = path.Child("sasSecretRef");
        c.Required(sp.Child("name"), sas.Name);
        c.Name(sp.Child("name"), sas.Name, KubernetesNames.CheckDns1123Subdomain, "rfc1123-subdomain");
        c.Name(sp.Child("key"), sas.Key, KubernetesNames.CheckConfigMapKey, "secret-key");
        c.Required(sp.Child("policyName"), sas.PolicyName);
        if (sas.PolicyName is { } policy && !PolicyNameRegex().IsMatch(policy))
        {
            c.Error(sp.Child("policyName"), "policy-name", $"{DisplayText.Value(policy)} must be a shared access policy name: up to 64 letters, digits, '.', '_' and '-'");
        }
    }
}
