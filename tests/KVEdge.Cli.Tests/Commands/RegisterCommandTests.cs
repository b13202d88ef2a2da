using System.Text;
using System.Text.Json.Nodes;
using KVEdge.Core.IotHub;
using KVEdge.Core.Kube;
using KVEdge.Testing;
using KVEdge.Testing.ApiServer;

namespace KVEdge.Cli.Tests.Commands;

/// <summary>
/// Registration through the CLI against the contract server and the IoT Hub and DPS doubles (tests/KVEdge.Testing.ApiServer,
/// each behaviour cited there): test code on 127.0.0.1, not Azure. What a user is promised: the identity made once, its
/// key only in the credentials Secret, the fleet's base deployment giving edgeHub its store on the data disk, onDelete on
/// uninstall, exit 5 before an identity of another type is overwritten, throttling honoured.
/// </summary>
public sealed class RegisterCommandTests : IAsyncLifetime
{
    private const string HubKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    private const string DpsKey = "HyAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4=";
    private ContractCluster _cluster = null!;
    private IotHubDouble _hub = null!;
    private DpsDouble _dps = null!;
    private string _folder = null!;

    public async Task InitializeAsync()
    {
        _cluster = (await ContractCluster.StartAsync()).SeedHealthyCluster();
        _hub = await IotHubDouble.StartAsync();
        _hub.AddPolicy("iothubowner", HubKey, "RegistryRead", "RegistryWrite", "ServiceConnect");
        _hub.AddPolicy("registryReadWrite", DpsKey, "RegistryRead", "RegistryWrite");
        _dps = await DpsDouble.StartAsync();
        _dps.AddPolicy("provisioningserviceowner", DpsKey, "EnrollmentRead", "EnrollmentWrite");
        _folder = Directory.CreateTempSubdirectory("kvedge-register-").FullName;
        using var client = _cluster.Client();
        foreach (var (name, key) in new[] { ("hub-a-owner", HubKey), ("dps-1-owner", DpsKey) })
        {
            await client.CreateAsync(ClusterResource.Secret, new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Secret",
                ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "factory-a" },
                ["data"] = new JsonObject { ["key"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(key)) },
            }, CancellationToken.None);
        }
    }

    public async Task DisposeAsync()
    {
        await _hub.DisposeAsync();
        await _dps.DisposeAsync();
        await _cluster.DisposeAsync();
        Directory.Delete(_folder, true);
    }

    private IotServiceConnector Connector() => new(host =>
        host == _hub.HostName ? (_hub.TrustingHandler(), _hub.Url)
        : host == _dps.HostName ? (_dps.TrustingHandler(), _dps.Url)
        : throw new InvalidOperationException($"no double for {host}"));

    private (int Code, TestConsole Console) Kvedge(params string[] args) =>
        TestConsole.RunWith("", new Dictionary<string, string> { ["HOME"] = _folder }, false, Connector, [.. args, "--kubeconfig", _cluster.Kubeconfig]);

    private static string Manual(string name, string onDelete = "Disable", string fleet = "")
    {
        var baseDeployment = fleet.Length == 0 ? "" : "\n    baseDeployment: {fleet: " + fleet + ", priority: 5}";
        return Specs.Minimal(name, $$$"""
            iotEdge:
              provisioning: {source: manual, method: symmetricKey, iothubHostname: hub-a.azure-devices.net, deviceId: {{{name}}}}
              registration:
                onDelete: {{{onDelete}}}
                iotHub:
                  hostname: hub-a.azure-devices.net
                  auth: {sasSecretRef: {name: hub-a-owner, policyName: iothubowner}}
            """ + baseDeployment);
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    private string? SecretKey(string name) =>
        _cluster.Server.Store.Read(ResourceType.Secret, "factory-a", name)?["data"]?["symmetric-key"]?.GetValue<string>() is { } b64
            ? Encoding.UTF8.GetString(Convert.FromBase64String(b64)) : null;

    // No credential byte in any output stream or file of the run's folder: the device key (as is and in base64) and the policy keys.
    private void NoCredentialIn(TestConsole console, params string[] keys)
    {
        var files = Directory.EnumerateFiles(_folder, "*", SearchOption.AllDirectories).Select(File.ReadAllText).ToList();
        foreach (var key in keys.Concat([HubKey, DpsKey]).SelectMany(k => new[] { k, Convert.ToBase64String(Encoding.UTF8.GetBytes(k)) }))
        {
            Assert.DoesNotContain(key, console.Out, StringComparison.Ordinal);
            Assert.DoesNotContain(key, console.Err, StringComparison.Ordinal);
            Assert.DoesNotContain(files, f => f.Contains(key, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Install_upgrade_uninstall_and_purge_make_the_identity_once_keep_its_key_in_the_Secret_and_apply_onDelete()
    {
        var spec = Write("edge-01.yaml", Manual("edge-01", onDelete: "Delete"));
        var (code, install) = Kvedge("install", "-f", spec);
        Assert.True(code == 0, install.Err);
        var device = _hub.Device("edge-01")!;
        Assert.True(device["capabilities"]!["iotEdge"]!.GetValue<bool>());
        Assert.Equal("sas", device["authentication"]!["type"]!.GetValue<string>());
        var key = device["authentication"]!["symmetricKey"]!["primaryKey"]!.GetValue<string>();
        Assert.Equal(key, SecretKey("edge-01-credentials"));
        Assert.Contains("factory-a/edge-01: IoT Hub device edge-01: created (sas, IoT Edge)", install.Err, StringComparison.Ordinal);
        Assert.Contains("IoT Hub deployment kvedge-base-factory-a-", install.Err, StringComparison.Ordinal);
        NoCredentialIn(install, key);

        // The fleet's base deployment reaches the device: edgeHub, its store bound to the data disk.
        var modules = _hub.EffectiveModules("edge-01");
        var edgeHub = modules["$edgeAgent"]["systemModules"]!["edgeHub"]!;
        Assert.Contains("/var/lib/kvedge-data/edgeHub:/iotedge/storage", edgeHub["settings"]!["createOptions"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("/iotedge/storage", edgeHub["env"]!["StorageFolder"]!["value"]!.GetValue<string>());
        Assert.True(modules.ContainsKey("$edgeHub"));

        // Unchanged: the hub is only read; an upgrade that changes the VM alone writes nothing to it either.
        var writes = _hub.Writes;
        var (again, second) = Kvedge("install", "-f", spec);
        Assert.True(again == 0, second.Err);
        Assert.Equal(writes, _hub.Writes);
        var (upgraded, upgrade) = Kvedge("upgrade", "-f", spec, "--set", "spec.memory=6Gi");
        Assert.True(upgraded == 0, upgrade.Err);
        Assert.Equal(writes, _hub.Writes);
        NoCredentialIn(upgrade, key);

        // onDelete Delete without --purge only disables; the Secret and the data disk stay.
        var (removed, uninstall) = Kvedge("uninstall", "-f", spec);
        Assert.True(removed == 0, uninstall.Err);
        Assert.Equal("disabled", _hub.Device("edge-01")!["status"]!.GetValue<string>());
        Assert.Contains("IoT Hub device edge-01: disabled (onDelete Delete removes it only with --purge)", uninstall.Err, StringComparison.Ordinal);
        Assert.Equal(key, SecretKey("edge-01-credentials"));

        // A reinstall enables the same identity with the same key; --purge then deletes it.
        var (back, reinstall) = Kvedge("install", "-f", spec);
        Assert.True(back == 0, reinstall.Err);
        Assert.Equal("enabled", _hub.Device("edge-01")!["status"]!.GetValue<string>());
        Assert.Equal(key, _hub.Device("edge-01")!["authentication"]!["symmetricKey"]!["primaryKey"]!.GetValue<string>());
        var (purged, purge) = Kvedge("uninstall", "-f", spec, "--purge", "--yes");
        Assert.True(purged == 0, purge.Err);
        Assert.Null(_hub.Device("edge-01"));
        Assert.Null(_cluster.Server.Store.Read(ResourceType.Secret, "factory-a", "edge-01-credentials"));
        NoCredentialIn(purge, key);
    }

    [Fact]
    public async Task An_existing_device_of_another_authentication_type_gives_exit_5_and_nothing_is_applied_until_force_identity()
    {
        using (var http = new HttpClient(_hub.TrustingHandler()))
        {
            var registry = new IotHubRegistryClient(http, _hub.Url, new SasTokenSource(_hub.HostName, HubKey, "iothubowner", TimeProvider.System));
            await registry.PutDeviceAsync(new JsonObject
            {
                ["deviceId"] = "edge-01",
                ["authentication"] = new JsonObject { ["type"] = "selfSigned", ["x509Thumbprint"] = new JsonObject { ["primaryThumbprint"] = new string('A', 64) } },
            }, null, CancellationToken.None);
        }

        // A second device, before it in the input, is applied; the report keeps the input's order and says the refusal once.
        var spec = Write("edge-01.yaml", Manual("edge-00") + "\n---\n" + Manual("edge-01"));
        var (code, console) = Kvedge("install", "-f", spec);
        Assert.Equal(5, code);
        const string Refusal = "IoT Hub device edge-01 exists with authentication 'selfSigned'; spec.iotEdge.provisioning.method symmetricKey needs sas";
        Assert.Contains(Refusal, console.Err, StringComparison.Ordinal);
        Assert.Equal(1, console.Err.Split(Refusal).Length - 1);
        Assert.NotNull(_cluster.Server.Store.Read(ResourceType.VirtualMachine, "factory-a", "edge-00"));
        Assert.True(console.Err.LastIndexOf("edge-00", StringComparison.Ordinal) < console.Err.LastIndexOf("factory-a/edge-01", StringComparison.Ordinal), console.Err);
        Assert.Contains("--force-identity", console.Err, StringComparison.Ordinal);
        Assert.Null(_cluster.Server.Store.Read(ResourceType.VirtualMachine, "factory-a", "edge-01"));
        Assert.Equal("selfSigned", _hub.Device("edge-01")!["authentication"]!["type"]!.GetValue<string>());

        var (forced, again) = Kvedge("install", "-f", spec, "--force-identity");
        Assert.True(forced == 0, again.Err);
        Assert.Equal("sas", _hub.Device("edge-01")!["authentication"]!["type"]!.GetValue<string>());
        Assert.NotNull(_cluster.Server.Store.Read(ResourceType.VirtualMachine, "factory-a", "edge-01"));
    }

    [Fact]
    public void A_throttling_hub_is_waited_out_and_the_whole_fleet_is_registered()
    {
        // 20 requests a second with a burst of 5: the fleet's 60-odd requests meet 429s, without Retry-After as the hub sends them.
        _hub.OperationsPerMinute = 1200;
        _hub.Burst = 5;
        var fleet = Write("fleet.yaml", string.Join("\n---\n", Enumerable.Range(1, 16).Select(i => Manual($"edge-{i:00}"))));
        var (code, console) = Kvedge("register", "-f", fleet);
        Assert.True(code == 0, console.Err);
        Assert.Contains("16 of 16 device(s) registered", console.Err, StringComparison.Ordinal);
        Assert.Contains(_hub.Log, l => l.EndsWith(" 429", StringComparison.Ordinal));
        foreach (var i in Enumerable.Range(1, 16))
        {
            var key = _hub.Device($"edge-{i:00}")!["authentication"]!["symmetricKey"]!["primaryKey"]!.GetValue<string>();
            Assert.Equal(key, SecretKey($"edge-{i:00}-credentials"));
        }

        Assert.Single(_hub.Configurations);
    }

    [Fact]
    public async Task The_base_deployment_targets_exactly_its_fleets_devices()
    {
        var specs = Write("fleet.yaml", string.Join("\n---\n", [Manual("press-1", fleet: "line-1"), Manual("press-2", fleet: "line-1"), Manual("oven-1", fleet: "line-2")]));
        var (code, console) = Kvedge("register", "-f", specs);
        Assert.True(code == 0, console.Err);
        using (var http = new HttpClient(_hub.TrustingHandler()))
        {
            // A device of the hub kvedge does not manage: no deployment of kvedge's may reach it.
            await new IotHubRegistryClient(http, _hub.Url, new SasTokenSource(_hub.HostName, HubKey, "iothubowner", TimeProvider.System))
                .PutDeviceAsync(new JsonObject { ["deviceId"] = "other", ["capabilities"] = new JsonObject { ["iotEdge"] = true }, ["authentication"] = new JsonObject { ["type"] = "sas" } }, null, CancellationToken.None);
        }

        var deployments = _hub.Configurations;
        Assert.Equal(2, deployments.Count);
        Assert.All(deployments.Values, d => Assert.Equal(5, d["priority"]!.GetValue<int>()));
        var line1 = deployments.Values.Single(d => d["labels"]!["kvedge-fleet"]!.GetValue<string>() == "line-1");
        Assert.StartsWith("tags.kvedge.fleet='line-1' and tags.kvedge.base='", line1["targetCondition"]!.GetValue<string>(), StringComparison.Ordinal);
        foreach (var id in new[] { "press-1", "press-2", "oven-1" })
        {
            Assert.True(_hub.EffectiveModules(id).ContainsKey("$edgeHub"), id);
        }

        Assert.Empty(_hub.EffectiveModules("other"));
        Assert.Equal("line-2", _hub.Twin("oven-1")!["tags"]!["kvedge"]!["fleet"]!.GetValue<string>());
    }

    [Fact]
    public void A_nested_device_gets_its_parents_scope_and_the_parent_is_registered_first_whatever_the_order()
    {
        var child = Specs.Minimal("child-1", """
            iotEdge:
              parentHostname: gw-1.factory-a.example.com
              provisioning: {source: manual, method: symmetricKey, iothubHostname: hub-a.azure-devices.net, deviceId: child-1}
              registration:
                iotHub:
                  hostname: hub-a.azure-devices.net
                  parentDeviceId: gw-1
                  auth: {sasSecretRef: {name: hub-a-owner, policyName: iothubowner}}
            """);
        var fleet = Write("nested.yaml", child + "\n---\n" + Manual("gw-1"));
        var (code, console) = Kvedge("register", "-f", fleet);
        Assert.True(code == 0, console.Err);
        Assert.Contains("IoT Hub device child-1: created (sas, IoT Edge, child of gw-1)", console.Err, StringComparison.Ordinal);
        var scope = _hub.Device("gw-1")!["deviceScope"]!.GetValue<string>();
        Assert.Equal(scope, _hub.Device("child-1")!["parentScopes"]![0]!.GetValue<string>());

        var writes = _hub.Writes;
        var (again, second) = Kvedge("register", "-f", fleet);
        Assert.True(again == 0, second.Err);
        Assert.Equal(writes, _hub.Writes);

        // A parent the hub does not have: named, and the child is not registered.
        var orphan = Write("orphan.yaml", child.Replace("gw-1", "gw-9", StringComparison.Ordinal).Replace("child-1", "child-2", StringComparison.Ordinal));
        var (missing, third) = Kvedge("register", "-f", orphan);
        Assert.Equal(1, missing);
        Assert.Contains("parentDeviceId: IoT Hub has no device gw-9; register the parent gateway first", third.Err, StringComparison.Ordinal);
        Assert.Null(_hub.Device("child-2"));
    }

    [Fact]
    public void Template_says_that_a_key_made_at_registration_is_not_in_what_it_renders()
    {
        var spec = Write("edge-01.yaml", Manual("edge-01"));
        var (code, console) = TestConsole.Run("template", "-f", spec);
        Assert.Equal(0, code);
        Assert.Contains("edge-01: spec.iotEdge.registration makes the device's key when it is registered", console.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("name: edge-01-credentials", console.Out, StringComparison.Ordinal);
        Assert.Contains("name: edge-01-config", console.Out, StringComparison.Ordinal);
        Assert.Empty(_hub.Log);
    }

    [Fact]
    public void A_DPS_enrollment_is_made_with_its_initial_twin_and_its_key_reaches_the_Secret_once()
    {
        var spec = Write("edge-dps.yaml", Specs.Minimal("edge-dps", """
            iotEdge:
              provisioning: {source: dps, method: symmetricKey, idScope: 0ne00000A0A, registrationId: edge-dps}
              registration:
                dps:
                  serviceHost: dps-1.azure-devices-provisioning.net
                  auth: {sasSecretRef: {name: dps-1-owner, policyName: provisioningserviceowner}}
                iotHub:
                  hostname: hub-a.azure-devices.net
                  auth: {sasSecretRef: {name: hub-a-owner, policyName: iothubowner}}
            """));
        var (code, console) = Kvedge("register", "-f", spec);
        Assert.True(code == 0, console.Err);
        var enrollment = _dps.Enrollment("edge-dps")!;
        Assert.True(enrollment["capabilities"]!["iotEdge"]!.GetValue<bool>());
        Assert.Equal("factory-a", enrollment["initialTwin"]!["tags"]!["kvedge"]!["fleet"]!.GetValue<string>());
        var key = enrollment["attestation"]!["symmetricKey"]!["primaryKey"]!.GetValue<string>();
        Assert.Equal(key, SecretKey("edge-dps-credentials"));
        Assert.Single(_hub.Configurations);
        NoCredentialIn(console, key);

        var writes = (_dps.Writes, _hub.Writes);
        var (again, second) = Kvedge("register", "-f", spec);
        Assert.True(again == 0, second.Err);
        Assert.Equal(writes, (_dps.Writes, _hub.Writes));
        Assert.Equal(key, SecretKey("edge-dps-credentials"));
        // The Secret holds the key already: not applied again.
        Assert.Contains("Secret edge-dps-credentials: holds the device key", console.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("Secret edge-dps-credentials", second.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Entra_ID_through_workload_identity_registers_and_a_missing_role_is_named()
    {
        // Azure.Identity's WorkloadIdentityCredential, as a pod with workload identity has it (the projected token file,
        // AZURE_CLIENT_ID, AZURE_TENANT_ID), asking the Entra double for tokens.
        await using var entra = await EntraDouble.StartAsync();
        const string ClientId = "00000000-0000-4000-8000-0000000c11e7";
        const string Principal = "3f1c0000-0000-4000-8000-00000000b0b0";
        var projected = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6a3ZlZGdlOmt2ZWRnZS1vcGVyYXRvciJ9.c2lnbmF0dXJl";
        // Where the kubelet projects it, outside the run's folder (whose files must hold no credential).
        var projection = Directory.CreateTempSubdirectory("kvedge-azure-identity-").FullName;
        var tokenFile = Path.Combine(projection, "azure-identity-token");
        File.WriteAllText(tokenFile, projected);
        entra.AddWorkloadIdentity(ClientId, projected, Principal);
        _hub.TrustEntra(entra);
        var credential = new Azure.Identity.WorkloadIdentityCredential(new Azure.Identity.WorkloadIdentityCredentialOptions
        {
            TenantId = entra.TenantId,
            ClientId = ClientId,
            TokenFilePath = tokenFile,
            AuthorityHost = entra.Url,
            DisableInstanceDiscovery = true,
            Transport = new Azure.Core.Pipeline.HttpClientTransport(entra.TrustingHandler()),
        });
        IotServiceConnector EntraConnector() => new(host => host == _hub.HostName ? (_hub.TrustingHandler(), _hub.Url) : throw new InvalidOperationException($"no double for {host}"))
        {
            Entra = credential,
        };
        (int Code, TestConsole Console) Run(params string[] args) =>
            TestConsole.RunWith("", new Dictionary<string, string> { ["HOME"] = _folder }, false, EntraConnector, [.. args, "--kubeconfig", _cluster.Kubeconfig]);

        var spec = Write("edge-entra.yaml", Manual("edge-entra", fleet: "line-1").Replace("auth: {sasSecretRef: {name: hub-a-owner, policyName: iothubowner}}", "auth: {entra: {}}", StringComparison.Ordinal));
        Assert.Contains("auth: {entra: {}}", File.ReadAllText(spec), StringComparison.Ordinal);

        // IoT Hub Registry Contributor makes the identity but reaches neither twins nor deployments: named, with the role.
        _hub.AssignRole(Principal, "IoT Hub Registry Contributor");
        var (refused, first) = Run("register", "-f", spec);
        Assert.Equal(1, refused);
        Assert.Contains("factory-a/edge-entra: IoT Hub device edge-entra: created (sas, IoT Edge)", first.Err, StringComparison.Ordinal);
        Assert.Contains("401 IotHubUnauthorized (not authorized: the SAS policy needs ServiceConnect and RegistryWrite (iothubowner has both), or the Entra principal the role IoT Hub Data Contributor", first.Err, StringComparison.Ordinal);

        _hub.AssignRole(Principal, "IoT Hub Data Contributor");
        var (code, console) = Run("register", "-f", spec);
        Assert.True(code == 0, console.Err);
        var key = _hub.Device("edge-entra")!["authentication"]!["symmetricKey"]!["primaryKey"]!.GetValue<string>();
        Assert.Equal(key, SecretKey("edge-entra-credentials"));
        Assert.Equal("line-1", _hub.Twin("edge-entra")!["tags"]!["kvedge"]!["fleet"]!.GetValue<string>());
        // One token for the hub's scope: the credential (one instance for both runs) caches it for every request.
        Assert.Equal(1, entra.Issued);
        NoCredentialIn(console, key, projected);
        NoCredentialIn(first, key, projected);
        Assert.DoesNotContain("eyJ", console.Err + console.Out + first.Err + first.Out, StringComparison.Ordinal);
        Directory.Delete(projection, true);
    }

    [Fact]
    public void A_DPS_TPM_enrollment_waits_for_the_running_VM_then_takes_its_endorsement_key_and_follows_a_new_vTPM()
    {
        var spec = Write("edge-tpm.yaml", Specs.Minimal("edge-tpm", """
            iotEdge:
              provisioning: {source: dps, method: tpm, idScope: 0ne00000A0A, registrationId: edge-tpm}
              registration:
                dps:
                  serviceHost: dps-1.azure-devices-provisioning.net
                  auth: {sasSecretRef: {name: dps-1-owner, policyName: provisioningserviceowner}}
                baseDeployment: {enabled: false}
            """));
        using var guest = StandInGuestSshd.Start();
        string[] login = ["-l", StandInGuestSshd.User, "--identity", guest.ClientKey];

        // Before the VM runs there is no key to enroll: the device is applied (it has to run to have one), and the
        // enrollment waits, said as a warning.
        var (code, install) = Kvedge(["install", "-f", spec, .. login]);
        Assert.True(code == 0, install.Err);
        Assert.Contains("warning: factory-a/edge-tpm: registration: DPS enrollment edge-tpm: waits for the TPM's endorsement key, which only the running VM can give (", install.Err, StringComparison.Ordinal);
        Assert.NotNull(_cluster.Server.Store.Read(ResourceType.VirtualMachine, "factory-a", "edge-tpm"));
        Assert.Null(_dps.Enrollment("edge-tpm"));

        // The VM runs, with its vTPM: register enrolls the key it reads there.
        _cluster.Server.Simulator.Start();
        _cluster.Server.MapGuestPort("factory-a", "edge-tpm", 22, guest.EndPoint);
        using var tpm = SwtpmServer.Start();
        guest.AttachTpm(tpm);
        var registered = WaitForEnrollment(spec, login);
        Assert.Contains("factory-a/edge-tpm: DPS enrollment edge-tpm: created (tpm, IoT Edge)", registered.Err, StringComparison.Ordinal);
        var enrollment = _dps.Enrollment("edge-tpm")!;
        Assert.True(enrollment["capabilities"]!["iotEdge"]!.GetValue<bool>());
        var ekFile = Path.Combine(_folder, "ek.pub");
        Assert.Equal(0, tpm.Run("tpm2_createek", "-Q", "-c", Path.Combine(_folder, "ek.ctx"), "-G", "rsa", "-u", ekFile).ExitCode);
        Assert.Equal(Convert.ToBase64String(File.ReadAllBytes(ekFile)), enrollment["attestation"]!["tpm"]!["endorsementKey"]!.GetValue<string>());
        // No key of any kind reaches the cluster for a TPM device.
        Assert.Null(SecretKey("edge-tpm-credentials"));

        var writes = _dps.Writes;
        var (again, second) = Kvedge(["register", "-f", spec, .. login]);
        Assert.True(again == 0, second.Err);
        Assert.Equal(writes, _dps.Writes);

        // The VM's vTPM is a new one (its persistent state lost): the enrollment follows its key.
        using var newTpm = SwtpmServer.Start();
        guest.AttachTpm(newTpm);
        var (third, replaced) = Kvedge(["register", "-f", spec, .. login]);
        Assert.True(third == 0, replaced.Err);
        Assert.Contains("factory-a/edge-tpm: DPS enrollment edge-tpm: updated: another endorsement key (registration ID of the key ", replaced.Err, StringComparison.Ordinal);
        Assert.NotEqual(enrollment["attestation"]!["tpm"]!["endorsementKey"]!.GetValue<string>(), _dps.Enrollment("edge-tpm")!["attestation"]!["tpm"]!["endorsementKey"]!.GetValue<string>());
    }

    // register until the simulated VM runs and its enrollment is made (the simulator starts it within moments).
    private TestConsole WaitForEnrollment(string spec, string[] login)
    {
        for (var attempt = 0; ; attempt++)
        {
            var (code, console) = Kvedge(["register", "-f", spec, .. login]);
            Assert.True(code == 0, console.Err);
            if (_dps.Enrollment("edge-tpm") is not null || attempt == 50)
            {
                return console;
            }

            Thread.Sleep(200);
        }
    }

    [Theory]
    [InlineData("dps")]
    [InlineData("manual")]
    public void An_x509_device_is_registered_with_its_certificate_and_no_key_reaches_the_cluster(string source)
    {
        var (name, provisioning, registration) = source == "dps"
            ? ("dps-x509-01", "{source: dps, method: x509, idScope: 0ne00000A0A, registrationId: dps-x509-01}",
                "dps:\n      serviceHost: dps-1.azure-devices-provisioning.net\n      auth: {sasSecretRef: {name: dps-1-owner, policyName: provisioningserviceowner}}\n    baseDeployment: {enabled: false}")
            : ("edge-x509", "{source: manual, method: x509, iothubHostname: hub-a.azure-devices.net, deviceId: edge-x509}",
                "iotHub:\n      hostname: hub-a.azure-devices.net\n      auth: {sasSecretRef: {name: hub-a-owner, policyName: iothubowner}}");
        var credentials = Path.Combine(RepoPaths.TestData, "credentials");
        var spec = Write($"{name}.yaml", Specs.Minimal(name, $"iotEdge:\n  provisioning: {provisioning}\n  registration:\n    {registration}"));
        string[] certificate = ["--set-file", $"spec.iotEdge.credentials.identityCert={Path.Combine(credentials, $"{name}.pem")}",
            "--set-file", $"spec.iotEdge.credentials.identityKey={Path.Combine(credentials, $"{name}.key.pem")}"];
        var (code, console) = Kvedge(["register", "-f", spec, .. certificate]);
        Assert.True(code == 0, console.Err);
        var thumbprint = KVEdge.Core.Actions.RegisterAction.Thumbprint(File.ReadAllText(Path.Combine(credentials, $"{name}.pem")));
        if (source == "dps")
        {
            var enrollment = _dps.Enrollment(name)!;
            Assert.Equal("x509", enrollment["attestation"]!["type"]!.GetValue<string>());
            Assert.Equal(thumbprint, KVEdge.Core.Actions.RegisterAction.Thumbprint(enrollment["attestation"]!["x509"]!["clientCertificates"]!["primary"]!["certificate"]!.GetValue<string>()));
        }
        else
        {
            var device = _hub.Device(name)!;
            Assert.Equal("selfSigned", device["authentication"]!["type"]!.GetValue<string>());
            Assert.Equal(thumbprint, device["authentication"]!["x509Thumbprint"]!["primaryThumbprint"]!.GetValue<string>());
        }

        // Nothing changed: a second run reads only; no key is made for a certificate device.
        var writes = (_dps.Writes, _hub.Writes);
        var (again, second) = Kvedge(["register", "-f", spec, .. certificate]);
        Assert.True(again == 0, second.Err);
        Assert.Equal(writes, (_dps.Writes, _hub.Writes));
        Assert.Null(SecretKey($"{name}-credentials"));
    }

    [Fact]
    public async Task A_policy_without_the_rights_or_a_missing_policy_Secret_is_named_and_nothing_is_applied()
    {
        var spec = Write("edge-01.yaml", Manual("edge-01").Replace("name: hub-a-owner", "name: hub-a-missing", StringComparison.Ordinal));
        var (code, console) = Kvedge("install", "-f", spec);
        Assert.Equal(1, code);
        Assert.Contains("spec.iotEdge.registration.iotHub.auth.sasSecretRef: Secret factory-a/hub-a-missing not found", console.Err, StringComparison.Ordinal);
        Assert.Null(_cluster.Server.Store.Read(ResourceType.VirtualMachine, "factory-a", "edge-01"));

        // registryReadWrite has no ServiceConnect: the twin and the deployment are refused, and the message says what is missing.
        using (var client = _cluster.Client())
        {
            await client.CreateAsync(ClusterResource.Secret, new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Secret",
                ["metadata"] = new JsonObject { ["name"] = "hub-a-registry", ["namespace"] = "factory-a" },
                ["data"] = new JsonObject { ["key"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(DpsKey)) },
            }, CancellationToken.None);
        }

        var limited = Write("edge-02.yaml", Manual("edge-02").Replace("name: hub-a-owner, policyName: iothubowner", "name: hub-a-registry, policyName: registryReadWrite", StringComparison.Ordinal));
        var (refused, second) = Kvedge("register", "-f", limited);
        Assert.Equal(1, refused);
        Assert.Contains("the SAS policy needs ServiceConnect and RegistryWrite (iothubowner has both)", second.Err, StringComparison.Ordinal);
        NoCredentialIn(second);
    }
}
