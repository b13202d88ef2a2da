using System.Text;
using System.Text.Json.Nodes;
using KVEdge.Core.Actions;
using KVEdge.Core.Input;
using KVEdge.Core.IotHub;
using KVEdge.Core.Kube;
using KVEdge.Testing.ApiServer;

/// <summary>
/// ContractServerHost --hub-deployment SPEC OUT_JSON: the device of SPEC (with spec.iotEdge.registration; its key from
/// the environment as the spec names it) registered by kvedge's RegisterAction in the IoT Hub double (test code, not
/// IoT Hub), with the policy key in a Secret of the contract server; then what the double's deployments give the device
/// (its effective modulesContent: highest-priority base by target condition, layers on top) written to OUT_JSON, as the
/// device's edgeAgent would read it from its twin. The e2e harness hands that to the guest's stand-in edgeAgent, which
/// starts edgeHub only when it is there.
/// </summary>
internal static class HubDeployment
{
    public static async Task<int> RunAsync(string specPath, string outPath)
    {
        var rendered = TemplateAction.Run(InputFile.Read([specPath], () => Console.In), [], "default", Environment.GetEnvironmentVariable);
        if (rendered.Diagnostics.HasErrors)
        {
            foreach (var d in rendered.Diagnostics.Items.Where(d => d.IsError))
            {
                Console.Error.WriteLine($"{d.Path}: {d.Message} [{d.Rule}]");
            }

            return 2;
        }

        var device = rendered.Specs.Single().Value;
        var iot = device.Spec.IotEdge!;
        var hubSpec = iot.Registration!.IotHub!;
        var sas = hubSpec.Auth.SasSecretRef!;
        var ns = device.Metadata.Namespace ?? "default";
        var policyKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

        await using var hub = await IotHubDouble.StartAsync(hubSpec.Hostname!);
        hub.AddPolicy(sas.PolicyName!, policyKey, "RegistryRead", "RegistryWrite", "ServiceConnect");
        await using var cluster = (await ContractCluster.StartAsync()).SeedHealthyCluster();
        if (!ContractCluster.Namespaces.Contains(ns))
        {
            cluster.Server.Seed(ContractCluster.Parse($$$"""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"{{{ns}}}"},"status":{"phase":"Active"}}"""));
        }

        using var client = cluster.Client();
        await client.CreateAsync(ClusterResource.Secret, new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Secret",
            ["metadata"] = new JsonObject { ["name"] = sas.Name, ["namespace"] = ns },
            ["data"] = new JsonObject { [sas.Key] = Convert.ToBase64String(Encoding.UTF8.GetBytes(policyKey)) },
        }, CancellationToken.None);

        using var connector = new IotServiceConnector(_ => (hub.TrustingHandler(), hub.Url));
        var outcome = (await new RegisterAction(client, connector).RegisterAsync([device], ns, new RegisterOptions(DryRun: false, ForceIdentity: false), CancellationToken.None)).Single();
        foreach (var change in outcome.Changes)
        {
            Console.WriteLine(change);
        }

        if (outcome.Error is { } error)
        {
            Console.Error.WriteLine($"registration failed: {error}");
            return 1;
        }

        // The key the hub holds must be the device's own (the spec's), or the guest could not connect with it.
        var deviceId = iot.Provisioning.DeviceId!;
        if (hub.Device(deviceId)?["authentication"]?["symmetricKey"]?["primaryKey"]?.GetValue<string>() != iot.Credentials.SymmetricKey?.Trim())
        {
            Console.Error.WriteLine("the hub holds another key than the device's");
            return 1;
        }

        var modules = new JsonObject();
        foreach (var (name, desired) in hub.EffectiveModules(deviceId).OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            modules[name] = desired.DeepClone();
        }

        await File.WriteAllTextAsync(outPath, modules.ToJsonString());
        Console.WriteLine($"effective deployment of {deviceId}: {string.Join(", ", modules.Select(m => m.Key))}");
        return 0;
    }
}
