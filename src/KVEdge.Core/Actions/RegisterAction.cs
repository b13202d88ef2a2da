using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using KVEdge.Core.Diagnostics;
using KVEdge.Core.IotHub;
using KVEdge.Core.Kube;
using KVEdge.Core.Rendering.IotEdge;
using KVEdge.Core.Spec;

namespace KVEdge.Core.Actions;

/// <summary>
/// `kvedge register`, and the registration phase of install, upgrade and uninstall: each device's identity in IoT Hub
/// (source manual) or its individual enrollment in DPS (source dps), made from the spec as the service SDK and the CLI
/// make them (read, then create without If-Match or update with the ETag), with <c>capabilities.iotEdge</c> and the
/// authentication the provisioning method implies; the key the service generated comes back for the credentials Secret
/// (an existingSecret is given it here), never anywhere else. An identity of another authentication type is never
/// overwritten without <see cref="RegisterOptions.ForceIdentity"/>. With the base deployment on, the fleet's deployment
/// is made once per run and the device's twin tagged for it (a DPS device's enrollment carries the tags as its initial
/// twin). Nothing is written when nothing differs: an unchanged second run only reads.
/// </summary>
public sealed class RegisterAction(IClusterClient cluster, IotServiceConnector connector)
{
    /// <summary>The field manager the key is written into a user's existingSecret as: it owns that one key, nothing else.</summary>
    public const string SecretFieldManager = "kvedge-registration";

    private readonly ConcurrentDictionary<string, Lazy<Task<IotServiceClient>>> _services = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<string>>> _deployments = new(StringComparer.Ordinal);

    /// <summary>
    /// The devices rendered again with the keys registration got, so each key lands in the device's credentials Secret
    /// (a device with existingSecret had it written there already); the others as they were.
    /// </summary>
    public static IReadOnlyList<Rendering.RenderedDevice> WithKeys(TemplateResult rendered, IReadOnlyList<RegistrationOutcome> outcomes, string defaultNamespace)
    {
        var keys = outcomes.Where(o => o.Key is not null).ToDictionary(o => $"{o.Namespace}/{o.Name}", o => o.Key!, StringComparer.Ordinal);
        return [.. rendered.Specs.Zip(rendered.Devices, (binding, device) =>
        {
            var iot = binding.Value.Spec.IotEdge;
            if (iot is null || iot.Credentials.ExistingSecret is not null || !keys.TryGetValue(device.Key, out var key) || iot.Credentials.SymmetricKey == key.Reveal())
            {
                return device;
            }

            iot.Credentials.SymmetricKey = key.Reveal();
            return Rendering.DeviceRenderer.Render(binding.Value, defaultNamespace);
        })];
    }

    public async Task<IReadOnlyList<RegistrationOutcome>> RegisterAsync(IReadOnlyList<EdgeDevice> devices, string defaultNamespace, RegisterOptions options, CancellationToken ct)
    {
        var registered = devices.Where(d => d.Spec.IotEdge?.Registration is not null).ToList();
        var outcomes = new RegistrationOutcome[registered.Count];
        // A nested device's parent first: the child's identity takes the parent's device scope, which exists only once the
        // parent is registered. Level by level (a gateway, its children, theirs), each level at once.
        foreach (var level in Levels(registered))
        {
            await RegisterLevelAsync(level).ConfigureAwait(false);
        }

        return outcomes;

        Task RegisterLevelAsync(IReadOnlyList<int> level) => Parallel.ForEachAsync(level, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Concurrency), CancellationToken = ct }, async (i, token) =>
        {
            var device = registered[i];
            var ns = device.Metadata.Namespace ?? defaultNamespace;
            var changes = new List<string>();
            try
            {
                var key = device.Spec.IotEdge!.Provisioning.Source == ProvisioningSources.Dps
                    ? await RegisterEnrollmentAsync(device, ns, defaultNamespace, options, changes, token).ConfigureAwait(false)
                    : await RegisterIdentityAsync(device, ns, defaultNamespace, options, changes, token).ConfigureAwait(false);
                if (key is not null && device.Spec.IotEdge.Credentials.ExistingSecret is { } existing)
                {
                    await StoreInExistingSecretAsync(ns, existing, key, options, changes, token).ConfigureAwait(false);
                }

                outcomes[i] = new RegistrationOutcome(ns, device.Metadata.Name!, changes, key, null);
            }
            catch (RegistrationPendingException ex)
            {
                outcomes[i] = new RegistrationOutcome(ns, device.Metadata.Name!, changes, null, null) { Pending = ex.Message };
            }
            catch (RegistrationException ex)
            {
                outcomes[i] = new RegistrationOutcome(ns, device.Metadata.Name!, changes, null, ex.Message, ex.Conflict);
            }
            catch (IotHubException ex)
            {
                outcomes[i] = new RegistrationOutcome(ns, device.Metadata.Name!, changes, null, ex.Message);
            }
            catch (HttpRequestException ex)
            {
                outcomes[i] = new RegistrationOutcome(ns, device.Metadata.Name!, changes, null, $"the service did not answer: {DisplayText.Value(ex.Message)}");
            }
            catch (TaskCanceledException) when (!token.IsCancellationRequested)
            {
                outcomes[i] = new RegistrationOutcome(ns, device.Metadata.Name!, changes, null, $"the service did not answer within {connector.RequestTimeout.TotalSeconds:0} s");
            }
            catch (Azure.Identity.AuthenticationFailedException ex)
            {
                outcomes[i] = new RegistrationOutcome(ns, device.Metadata.Name!, changes, null, NoEntraToken(ex));
            }
            catch (ClusterApiException ex)
            {
                outcomes[i] = new RegistrationOutcome(ns, device.Metadata.Name!, changes, null, ex.Message);
            }
        });
    }

    // The devices' indices by nesting level within the input: those whose parent is not in it first, then their
    // children, and so on; a cycle (refused by no rule, as the parent may be another hub's) ends in the last level.
    private static IEnumerable<IReadOnlyList<int>> Levels(List<EdgeDevice> devices)
    {
        string? DeviceId(EdgeDevice d) => d.Spec.IotEdge!.Provisioning.Source == ProvisioningSources.Manual ? d.Spec.IotEdge.Provisioning.DeviceId : null;
        var byId = devices.Select((d, i) => (Id: DeviceId(d), i)).Where(p => p.Id is not null).GroupBy(p => p.Id!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().i, StringComparer.Ordinal);
        var depth = new int?[devices.Count];
        int Depth(int i, int guard)
        {
            if (depth[i] is { } known)
            {
                return known;
            }

            var parent = devices[i].Spec.IotEdge!.Registration!.IotHub?.ParentDeviceId;
            var d = parent is not null && guard < devices.Count && byId.TryGetValue(parent, out var p) && p != i ? Depth(p, guard + 1) + 1 : 0;
            depth[i] = d;
            return d;
        }

        return Enumerable.Range(0, devices.Count).GroupBy(i => Depth(i, 0)).OrderBy(g => g.Key).Select(g => (IReadOnlyList<int>)[.. g]);
    }

    /// <summary>
    /// Uninstall's part: what <c>onDelete</c> says for each device. Disable sets the identity or enrollment disabled (Delete
    /// does too without <paramref name="purge"/>); Delete with it removes it; Orphan leaves it.
    /// </summary>
    public async Task<IReadOnlyList<RegistrationOutcome>> UnregisterAsync(IReadOnlyList<EdgeDevice> devices, string defaultNamespace, bool purge, bool dryRun, CancellationToken ct)
    {
        var registered = devices.Where(d => d.Spec.IotEdge?.Registration is { OnDelete: not RegistrationOnDelete.Orphan }).ToList();
        var outcomes = new RegistrationOutcome[registered.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, registered.Count), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (i, token) =>
        {
            var device = registered[i];
            var ns = device.Metadata.Namespace ?? defaultNamespace;
            var changes = new List<string>();
            try
            {
                await UnregisterOneAsync(device, ns, purge, dryRun, changes, token).ConfigureAwait(false);
                outcomes[i] = new RegistrationOutcome(ns, device.Metadata.Name!, changes, null, null);
            }
            catch (Exception ex) when (ex is IotHubException or RegistrationException or ClusterApiException)
            {
                outcomes[i] = new RegistrationOutcome(ns, device.Metadata.Name!, changes, null, ex.Message);
            }
            catch (Azure.Identity.AuthenticationFailedException ex)
            {
                outcomes[i] = new RegistrationOutcome(ns, device.Metadata.Name!, changes, null, NoEntraToken(ex));
            }
            catch (HttpRequestException ex)
            {
                outcomes[i] = new RegistrationOutcome(ns, device.Metadata.Name!, changes, null, $"the service did not answer: {DisplayText.Value(ex.Message)}");
            }
        }).ConfigureAwait(false);
        return outcomes;
    }

    private async Task UnregisterOneAsync(EdgeDevice device, string ns, bool purge, bool dryRun, List<string> changes, CancellationToken ct)
    {
        var iot = device.Spec.IotEdge!;
        var r = iot.Registration!;
        var delete = r.OnDelete == RegistrationOnDelete.Delete && purge;
        var would = dryRun ? "would be " : "";
        if (iot.Provisioning.Source == ProvisioningSources.Dps)
        {
            var dps = new DpsEnrollmentClient(await ServiceAsync(ns, r.Dps!.ServiceHost!, r.Dps.Auth, "DPS", DpsEnrollmentClient.ApiVersion, "registration.dps.auth", ct).ConfigureAwait(false));
            var id = iot.Provisioning.RegistrationId!;
            var enrollment = await dps.GetEnrollmentAsync(id, ct).ConfigureAwait(false);
            if (enrollment is null)
            {
                changes.Add($"DPS enrollment {id}: none to {(delete ? "delete" : "disable")}");
            }
            else if (delete)
            {
                if (!dryRun)
                {
                    await dps.DeleteEnrollmentAsync(id, ETag(enrollment), ct).ConfigureAwait(false);
                }

                changes.Add($"DPS enrollment {id}: {would}deleted");
            }
            else if (enrollment["provisioningStatus"]?.GetValue<string>() != "disabled")
            {
                enrollment["provisioningStatus"] = "disabled";
                // A GET carries no keys; a PUT without them would make new ones: send the ones it has.
                if (enrollment["attestation"]?["type"]?.GetValue<string>() == "symmetricKey" && await dps.GetAttestationAsync(id, ct).ConfigureAwait(false) is { } attestation)
                {
                    enrollment["attestation"] = attestation;
                }

                if (!dryRun)
                {
                    await dps.PutEnrollmentAsync(enrollment, ETag(enrollment), ct).ConfigureAwait(false);
                }

                changes.Add($"DPS enrollment {id}: {would}disabled{(r.OnDelete == RegistrationOnDelete.Delete ? " (onDelete Delete removes it only with --purge)" : "")}");
            }

            return;
        }

        var hub = new IotHubRegistryClient(await ServiceAsync(ns, r.IotHub!.Hostname!, r.IotHub.Auth, "IoT Hub", IotHubRegistryClient.ApiVersion, "registration.iotHub.auth", ct).ConfigureAwait(false));
        var deviceId = iot.Provisioning.DeviceId!;
        var identity = await hub.GetDeviceAsync(deviceId, ct).ConfigureAwait(false);
        if (identity is null)
        {
            changes.Add($"IoT Hub device {deviceId}: none to {(delete ? "delete" : "disable")}");
        }
        else if (delete)
        {
            if (!dryRun)
            {
                await hub.DeleteDeviceAsync(deviceId, ETag(identity), ct).ConfigureAwait(false);
            }

            changes.Add($"IoT Hub device {deviceId}: {would}deleted");
        }
        else if (identity["status"]?.GetValue<string>() != "disabled")
        {
            identity["status"] = "disabled";
            identity["statusReason"] = "kvedge uninstall (onDelete)";
            if (!dryRun)
            {
                await hub.PutDeviceAsync(identity, ETag(identity), ct).ConfigureAwait(false);
            }

            changes.Add($"IoT Hub device {deviceId}: {would}disabled{(r.OnDelete == RegistrationOnDelete.Delete ? " (onDelete Delete removes it only with --purge)" : "")}");
        }
    }

    private async Task<DeviceKey?> RegisterIdentityAsync(EdgeDevice device, string ns, string defaultNamespace, RegisterOptions options, List<string> changes, CancellationToken ct)
    {
        var iot = device.Spec.IotEdge!;
        var r = iot.Registration!;
        var hub = new IotHubRegistryClient(await ServiceAsync(ns, r.IotHub!.Hostname!, r.IotHub.Auth, "IoT Hub", IotHubRegistryClient.ApiVersion, "registration.iotHub.auth", ct).ConfigureAwait(false));
        var deviceId = iot.Provisioning.DeviceId!;
        var method = iot.Provisioning.Method!;
        var type = method == ProvisioningMethods.SymmetricKey ? "sas" : r.IotHub.X509Authentication;
        var given = iot.Credentials.SymmetricKey?.Trim();
        var thumbprint = type == "selfSigned" ? Thumbprint(await IdentityCertificateAsync(iot, ns, ct).ConfigureAwait(false)) : null;
        var would = options.DryRun ? "would be " : "";

        // A nested device's parent: its device scope becomes the child's parentScopes (one, SDK Device.cs).
        string? parentScope = null;
        if (r.IotHub.ParentDeviceId is { } parentId)
        {
            var parent = await hub.GetDeviceAsync(parentId, ct).ConfigureAwait(false)
                ?? throw new RegistrationException($"spec.iotEdge.registration.iotHub.parentDeviceId: IoT Hub has no device {parentId}; register the parent gateway first (in the same input it goes first)");
            parentScope = parent["capabilities"]?["iotEdge"]?.GetValue<bool>() == true ? parent["deviceScope"]?.GetValue<string>() : null;
            if (parentScope is null)
            {
                throw new RegistrationException($"spec.iotEdge.registration.iotHub.parentDeviceId: {parentId} is not an IoT Edge device in IoT Hub, so it cannot be a parent");
            }
        }

        var existing = await hub.GetDeviceAsync(deviceId, ct).ConfigureAwait(false);
        JsonObject? stored;
        if (existing is null)
        {
            var created = new JsonObject
            {
                ["deviceId"] = deviceId,
                ["status"] = "enabled",
                ["capabilities"] = new JsonObject { ["iotEdge"] = true },
                ["authentication"] = Authentication(type, given, null, thumbprint),
            };
            if (parentScope is not null)
            {
                created["parentScopes"] = new JsonArray(parentScope);
            }

            stored = options.DryRun ? null : await hub.PutDeviceAsync(created, null, ct).ConfigureAwait(false);
            changes.Add($"IoT Hub device {deviceId}: {would}created ({type}, IoT Edge{(parentScope is null ? "" : $", child of {r.IotHub.ParentDeviceId}")})");
        }
        else
        {
            var had = existing["authentication"]?["type"]?.GetValue<string>();
            if (had != type && !options.ForceIdentity)
            {
                throw new RegistrationException(
                    $"IoT Hub device {deviceId} exists with authentication {DisplayText.Value(had ?? "none")}; spec.iotEdge.provisioning.method {method} needs {type}. " +
                    "--force-identity replaces it (whatever uses its present credentials stops connecting)", conflict: true);
            }

            var updated = existing.DeepClone().AsObject();
            var reasons = new List<string>();
            if (had != type)
            {
                updated["authentication"] = Authentication(type, given, null, thumbprint);
                reasons.Add($"authentication {had} replaced by {type} (--force-identity)");
            }
            else if (type == "sas" && given is not null && !HasKey(existing, given))
            {
                updated["authentication"] = Authentication(type, given, existing["authentication"]?["symmetricKey"]?["primaryKey"]?.GetValue<string>(), null);
                reasons.Add("the given key made its primary");
            }
            else if (type == "selfSigned" && !HasThumbprint(existing, thumbprint!))
            {
                updated["authentication"] = Authentication(type, null, null, thumbprint);
                reasons.Add("the identity certificate's thumbprint registered");
            }

            if (existing["capabilities"]?["iotEdge"]?.GetValue<bool>() != true)
            {
                updated["capabilities"] = new JsonObject { ["iotEdge"] = true };
                reasons.Add("made an IoT Edge device");
            }

            if (existing["status"]?.GetValue<string>() != "enabled")
            {
                updated["status"] = "enabled";
                updated.Remove("statusReason");
                reasons.Add("enabled");
            }

            if (parentScope is not null && !(existing["parentScopes"] is JsonArray scopes && scopes.Count == 1 && scopes[0]?.GetValue<string>() == parentScope))
            {
                updated["parentScopes"] = new JsonArray(parentScope);
                reasons.Add($"parent set to {r.IotHub.ParentDeviceId}");
            }

            stored = existing;
            if (reasons.Count > 0)
            {
                stored = options.DryRun ? existing : await hub.PutDeviceAsync(updated, ETag(existing), ct).ConfigureAwait(false);
                changes.Add($"IoT Hub device {deviceId}: {would}updated: {string.Join(", ", reasons)}");
            }
        }

        if (r.BaseDeployment.Enabled)
        {
            await EnsureBaseDeploymentAsync(hub, device, defaultNamespace, options, changes, ct).ConfigureAwait(false);
            var tags = BaseDeployment.Tags(device, defaultNamespace);
            await TagTwinAsync(hub, deviceId, tags, options, changes, required: !options.DryRun, ct).ConfigureAwait(false);
        }

        var key = given ?? stored?["authentication"]?["symmetricKey"]?["primaryKey"]?.GetValue<string>();
        return type == "sas" && key is not null ? new DeviceKey(key) : null;
    }

    private async Task<DeviceKey?> RegisterEnrollmentAsync(EdgeDevice device, string ns, string defaultNamespace, RegisterOptions options, List<string> changes, CancellationToken ct)
    {
        var iot = device.Spec.IotEdge!;
        var r = iot.Registration!;
        var dps = new DpsEnrollmentClient(await ServiceAsync(ns, r.Dps!.ServiceHost!, r.Dps.Auth, "DPS", DpsEnrollmentClient.ApiVersion, "registration.dps.auth", ct).ConfigureAwait(false));
        var id = iot.Provisioning.RegistrationId!;
        var method = iot.Provisioning.Method!;
        var type = method switch
        {
            ProvisioningMethods.SymmetricKey => "symmetricKey",
            ProvisioningMethods.Tpm => "tpm",
            _ => "x509",
        };
        var given = iot.Credentials.SymmetricKey?.Trim();
        var certificate = type == "x509" ? await IdentityCertificateAsync(iot, ns, ct).ConfigureAwait(false) : null;
        var tags = r.BaseDeployment.Enabled ? BaseDeployment.Tags(device, defaultNamespace) : null;
        var would = options.DryRun ? "would be " : "";
        // A TPM enrollment's endorsement key exists only in the VM's vTPM: read from the running VM when one is needed.
        var endorsement = type == "tpm" ? await ReadEndorsementKeyAsync(ns, device.Metadata.Name!, options, ct).ConfigureAwait(false) : default;

        JsonObject Attestation(string? primary) => type switch
        {
            "symmetricKey" => new JsonObject { ["type"] = type, ["symmetricKey"] = new JsonObject { ["primaryKey"] = primary, ["secondaryKey"] = primary is null ? null : NewKey() } },
            "tpm" => new JsonObject { ["type"] = type, ["tpm"] = new JsonObject { ["endorsementKey"] = endorsement.Key?.Base64 ?? throw AwaitingEndorsementKey(id, endorsement.Why) } },
            _ => new JsonObject { ["type"] = type, ["x509"] = new JsonObject { ["clientCertificates"] = new JsonObject { ["primary"] = new JsonObject { ["certificate"] = certificate } } } },
        };

        var existing = await dps.GetEnrollmentAsync(id, ct).ConfigureAwait(false);
        string? key = given;
        if (existing is null)
        {
            var created = new JsonObject
            {
                ["registrationId"] = id,
                ["attestation"] = Attestation(given),
                ["capabilities"] = new JsonObject { ["iotEdge"] = true },
                ["provisioningStatus"] = "enabled",
            };
            if (tags is not null)
            {
                created["initialTwin"] = new JsonObject { ["tags"] = tags.DeepClone() };
            }

            var stored = options.DryRun ? null : await dps.PutEnrollmentAsync(created, null, ct).ConfigureAwait(false);
            key ??= stored?["attestation"]?["symmetricKey"]?["primaryKey"]?.GetValue<string>();
            changes.Add($"DPS enrollment {id}: {would}created ({type}, IoT Edge)");
        }
        else
        {
            var had = existing["attestation"]?["type"]?.GetValue<string>();
            if (had != type && !options.ForceIdentity)
            {
                throw new RegistrationException(
                    $"DPS enrollment {id} exists with attestation {DisplayText.Value(had ?? "none")}; spec.iotEdge.provisioning.method {method} needs {type}. " +
                    "--force-identity replaces it (a device attesting with the present one can no longer register)", conflict: true);
            }

            var updated = existing.DeepClone().AsObject();
            var reasons = new List<string>();
            // DPS's GET omits the keys, and a PUT without them would make new ones: the present ones are asked for.
            var keys = type == "symmetricKey" && had == type ? (await dps.GetAttestationAsync(id, ct).ConfigureAwait(false))?["symmetricKey"] : null;
            var primary = keys?["primaryKey"]?.GetValue<string>();
            var secondary = keys?["secondaryKey"]?.GetValue<string>();
            if (had != type)
            {
                updated["attestation"] = Attestation(given);
                reasons.Add($"attestation {had} replaced by {type} (--force-identity)");
            }
            else if (type == "x509")
            {
                // A GET carries the certificate's info at most, and a PUT needs the certificate itself: always sent. It
                // counts as a change only when DPS holds another certificate (its thumbprint, where DPS says it).
                updated["attestation"] = Attestation(null);
                var held = existing["attestation"]?["x509"]?["clientCertificates"]?["primary"];
                var heldThumbprint = held?["info"]?["sha256Thumbprint"]?.GetValue<string>()
                    ?? (held?["certificate"]?.GetValue<string>() is { } pem ? Thumbprint(pem) : null);
                if (heldThumbprint is not null && !string.Equals(heldThumbprint, Thumbprint(certificate!), StringComparison.OrdinalIgnoreCase))
                {
                    reasons.Add("the identity certificate registered");
                }
            }
            else if (type == "tpm")
            {
                // The enrollment keeps the key it has unless the VM answers with another: a new vTPM (its persistent
                // state lost with a re-created VM, real-cluster-behaviour.md) can no longer attest with the old one.
                var held = existing["attestation"]?["tpm"]?["endorsementKey"]?.GetValue<string>();
                if (endorsement.Key is { } ek && ek.Base64 != held)
                {
                    updated["attestation"] = Attestation(null);
                    reasons.Add($"another endorsement key (registration ID of the key {ek.RegistrationId}: the VM's vTPM is a new one)");
                }
            }
            else if (type == "symmetricKey")
            {
                updated["attestation"] = new JsonObject { ["type"] = type, ["symmetricKey"] = new JsonObject { ["primaryKey"] = primary, ["secondaryKey"] = secondary } };
                if (given is not null && given != primary && given != secondary)
                {
                    updated["attestation"]!["symmetricKey"]!["primaryKey"] = given;
                    updated["attestation"]!["symmetricKey"]!["secondaryKey"] = primary;
                    reasons.Add("the given key made its primary");
                }
            }

            if (existing["capabilities"]?["iotEdge"]?.GetValue<bool>() != true)
            {
                updated["capabilities"] = new JsonObject { ["iotEdge"] = true };
                reasons.Add("made an IoT Edge enrollment");
            }

            if (existing["provisioningStatus"]?.GetValue<string>() != "enabled")
            {
                updated["provisioningStatus"] = "enabled";
                reasons.Add("enabled");
            }

            if (tags is not null && !JsonNode.DeepEquals(existing["initialTwin"]?["tags"]?[BaseDeployment.TagName], tags[BaseDeployment.TagName]))
            {
                var twin = updated["initialTwin"] as JsonObject ?? [];
                var twinTags = twin["tags"] as JsonObject ?? [];
                twinTags[BaseDeployment.TagName] = tags[BaseDeployment.TagName]!.DeepClone();
                twin["tags"] = twinTags;
                updated["initialTwin"] = twin;
                reasons.Add("initial twin tagged for the base deployment");
            }

            JsonObject? stored = null;
            if (reasons.Count > 0)
            {
                stored = options.DryRun ? null : await dps.PutEnrollmentAsync(updated, ETag(existing), ct).ConfigureAwait(false);
                changes.Add($"DPS enrollment {id}: {would}updated: {string.Join(", ", reasons)}");
            }

            key ??= stored?["attestation"]?["symmetricKey"]?["primaryKey"]?.GetValue<string>() ?? primary;
        }

        if (tags is not null && r.IotHub is { } hubSpec)
        {
            var hub = new IotHubRegistryClient(await ServiceAsync(ns, hubSpec.Hostname!, hubSpec.Auth, "IoT Hub", IotHubRegistryClient.ApiVersion, "registration.iotHub.auth", ct).ConfigureAwait(false));
            await EnsureBaseDeploymentAsync(hub, device, defaultNamespace, options, changes, ct).ConfigureAwait(false);
            // A device DPS has registered already keeps its twin: the initial twin applies only at the first registration.
            await TagTwinAsync(hub, id, tags, options, changes, required: false, ct).ConfigureAwait(false);
        }

        return type == "symmetricKey" && key is not null ? new DeviceKey(key) : null;
    }

    // Azure.Identity's own words, its first line (DefaultAzureCredential lists every credential it tried after it),
    // escaped and bounded; they carry no secret, but a value shaped like one is not shown anyway.
    private static string NoEntraToken(Azure.Identity.AuthenticationFailedException ex)
    {
        var first = ex.Message.Split('\n', 2)[0].Trim();
        return "Entra ID (auth.entra) gave no token: " + DisplayText.Value(first) +
            " (set AZURE_CLIENT_ID, AZURE_TENANT_ID and a secret, certificate or AZURE_FEDERATED_TOKEN_FILE, run in a pod with workload identity, or `az login`)";
    }

    private static async Task<(Attestation.EndorsementKey? Key, string? Why)> ReadEndorsementKeyAsync(string ns, string name, RegisterOptions options, CancellationToken ct)
    {
        if (options.ReadEndorsementKey is not { } read)
        {
            return (null, "no SSH login was given to read it with");
        }

        var result = await read(ns, name, ct).ConfigureAwait(false);
        return (result.Key, result.Failure?.Message);
    }

    private static RegistrationPendingException AwaitingEndorsementKey(string id, string? why) =>
        new($"DPS enrollment {id}: waits for the TPM's endorsement key, which only the running VM can give ({why}); " +
            "`kvedge register` (or `install`/`upgrade`) enrolls it once the VM runs, or enroll `kvedge tpm ek NAME`'s key yourself");

    // The fleet's deployment for this content, made once per run however many devices share it.
    private async Task EnsureBaseDeploymentAsync(IotHubRegistryClient hub, EdgeDevice device, string defaultNamespace, RegisterOptions options, List<string> changes, CancellationToken ct)
    {
        var configuration = BaseDeployment.Configuration(device, defaultNamespace);
        var id = configuration["id"]!.GetValue<string>();
        var priority = configuration["priority"]!.GetValue<int>();
        var lazy = _deployments.GetOrAdd($"{device.Spec.IotEdge!.Registration!.IotHub!.Hostname}/{id}", _ => new Lazy<Task<string>>(async () =>
        {
            var would = options.DryRun ? "would be " : "";
            var existing = await hub.GetConfigurationAsync(id, ct).ConfigureAwait(false);
            if (existing is null)
            {
                if (!options.DryRun)
                {
                    await hub.PutConfigurationAsync(configuration, null, ct).ConfigureAwait(false);
                }

                return $"IoT Hub deployment {id}: {would}created (edgeAgent and edgeHub, edgeHub's store on the data disk, priority {priority})";
            }

            if (existing["priority"]?.GetValue<int>() == priority)
            {
                return "";
            }

            // Only labels, metrics, priority and targetCondition may change; the content is the hub's as it is.
            existing["priority"] = priority;
            if (!options.DryRun)
            {
                await hub.PutConfigurationAsync(existing, ETag(existing), ct).ConfigureAwait(false);
            }

            return $"IoT Hub deployment {id}: {would}updated: priority {priority}";
        }));
        var said = await lazy.Value.ConfigureAwait(false);
        if (said.Length > 0)
        {
            lock (changes)
            {
                changes.Add(said);
            }
        }
    }

    private static async Task TagTwinAsync(IotHubRegistryClient hub, string deviceId, JsonObject tags, RegisterOptions options, List<string> changes, bool required, CancellationToken ct)
    {
        var would = options.DryRun ? "would be " : "";
        var twin = await hub.GetTwinAsync(deviceId, ct).ConfigureAwait(false);
        if (twin is null)
        {
            if (required)
            {
                throw new RegistrationException($"IoT Hub has no twin for device {deviceId} after it was registered");
            }

            if (options.DryRun)
            {
                changes.Add($"IoT Hub twin {deviceId}: {would}tagged for the base deployment");
            }

            return;
        }

        if (JsonNode.DeepEquals(twin["tags"]?[BaseDeployment.TagName], tags[BaseDeployment.TagName]))
        {
            return;
        }

        if (!options.DryRun)
        {
            await hub.PatchTwinAsync(deviceId, new JsonObject { ["tags"] = tags.DeepClone() }, ETag(twin), ct).ConfigureAwait(false);
        }

        changes.Add($"IoT Hub twin {deviceId}: {would}tagged for the base deployment");
    }

    private async Task StoreInExistingSecretAsync(string ns, string name, DeviceKey key, RegisterOptions options, List<string> changes, CancellationToken ct)
    {
        var secret = await cluster.GetAsync(ClusterResource.Secret, ns, name, ct).ConfigureAwait(false);
        var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes(key.Reveal()));
        if (secret?["data"]?[CredentialKey.SymmetricKey.SecretKey]?.GetValue<string>() == encoded)
        {
            return;
        }

        var patch = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Secret",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
            ["data"] = new JsonObject { [CredentialKey.SymmetricKey.SecretKey] = encoded },
        };
        if (!options.DryRun)
        {
            await cluster.ApplyAsync(ClusterResource.Secret, patch, new ApplyOptions(SecretFieldManager, Force: true, DryRun: false), ct).ConfigureAwait(false);
        }

        changes.Add($"Secret {name}: {(options.DryRun ? "would be " : "")}given the device key ({CredentialKey.SymmetricKey.SecretKey})");
    }

    // One signed client per service and policy for the whole run: the policy's key is read from its Secret once.
    private Task<IotServiceClient> ServiceAsync(string ns, string host, ServiceAuthSpec auth, string service, string apiVersion, string field, CancellationToken ct)
    {
        if (auth.Entra is not null)
        {
            return _services.GetOrAdd($"{host}|entra", _ => new Lazy<Task<IotServiceClient>>(() =>
            {
                var (http, endpoint) = connector.For(host);
                return Task.FromResult(new IotServiceClient(http, endpoint, new EntraTokenSource(connector.Entra, EntraTokenSource.ScopeFor(host)), service, apiVersion));
            })).Value;
        }

        var sas = auth.SasSecretRef!;
        return _services.GetOrAdd($"{host}|{ns}/{sas.Name}/{sas.Key}/{sas.PolicyName}", _ => new Lazy<Task<IotServiceClient>>(async () =>
        {
            var secret = await cluster.GetAsync(ClusterResource.Secret, ns, sas.Name!, ct).ConfigureAwait(false)
                ?? throw new RegistrationException($"spec.iotEdge.{field}.sasSecretRef: Secret {ns}/{sas.Name} not found (it holds the {service} policy's key)");
            var policyKey = secret["data"]?[sas.Key]?.GetValue<string>() is { } data ? Decode(data) : null;
            if (policyKey is null || !IsBase64(policyKey))
            {
                throw new RegistrationException($"spec.iotEdge.{field}.sasSecretRef: Secret {ns}/{sas.Name} has no key {DisplayText.Value(sas.Key)} holding a base64 policy key");
            }

            var (client, endpoint) = connector.For(host);
            return new IotServiceClient(client, endpoint, new SasTokenSource(host, policyKey, sas.PolicyName, TimeProvider.System), service, apiVersion);
        })).Value;
    }

    private async Task<string> IdentityCertificateAsync(IotEdgeSpec iot, string ns, CancellationToken ct)
    {
        if (iot.Credentials.IdentityCert is { } given)
        {
            return given;
        }

        if (iot.Credentials.ExistingSecret is { } name
            && await cluster.GetAsync(ClusterResource.Secret, ns, name, ct).ConfigureAwait(false) is { } secret
            && secret["data"]?[CredentialKey.IdentityCert.SecretKey]?.GetValue<string>() is { } data
            && Decode(data) is { } pem)
        {
            return pem;
        }

        throw new RegistrationException($"{CredentialKey.IdentityCert.Path}: registration of an x509 device needs its identity certificate (given, or in existingSecret as {CredentialKey.IdentityCert.SecretKey})");
    }

    private static JsonObject Authentication(string type, string? primary, string? secondary, string? thumbprint) => type switch
    {
        "sas" => new JsonObject
        {
            ["type"] = "sas",
            // Both keys or neither (the CLI's rule): none, and the hub generates both.
            ["symmetricKey"] = new JsonObject { ["primaryKey"] = primary, ["secondaryKey"] = primary is null ? null : secondary ?? NewKey() },
        },
        "selfSigned" => new JsonObject { ["type"] = "selfSigned", ["x509Thumbprint"] = new JsonObject { ["primaryThumbprint"] = thumbprint, ["secondaryThumbprint"] = null } },
        _ => new JsonObject { ["type"] = type },
    };

    private static bool HasKey(JsonObject device, string key) =>
        device["authentication"]?["symmetricKey"] is JsonObject k && (k["primaryKey"]?.GetValue<string>() == key || k["secondaryKey"]?.GetValue<string>() == key);

    private static bool HasThumbprint(JsonObject device, string thumbprint) =>
        device["authentication"]?["x509Thumbprint"] is JsonObject t
        && (string.Equals(t["primaryThumbprint"]?.GetValue<string>(), thumbprint, StringComparison.OrdinalIgnoreCase)
            || string.Equals(t["secondaryThumbprint"]?.GetValue<string>(), thumbprint, StringComparison.OrdinalIgnoreCase));

    /// <summary>The certificate's SHA-256 thumbprint in upper-case hex, which the hub accepts beside SHA-1 (learn iot-hub x509 self-signed).</summary>
    public static string Thumbprint(string pem)
    {
        using var certificate = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(pem);
        return Convert.ToHexString(SHA256.HashData(certificate.RawData));
    }

    // A secondary key kvedge makes when the user gave the primary (the hub wants both or neither): 32 random bytes.
    private static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private static string ETag(JsonObject item) => item["etag"]?.GetValue<string>() ?? "*";

    private static string? Decode(string base64)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(base64)).Trim();
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static bool IsBase64(string text)
    {
        var buffer = new byte[text.Length];
        return Convert.TryFromBase64String(text, buffer, out var written) && written >= 16;
    }
}
