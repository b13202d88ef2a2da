using System.Text.Json.Nodes;
using KVEdge.Core.Kubernetes;
using KVEdge.Core.Validation;
using KVEdge.Core.Validation.Credentials;

namespace KVEdge.Core.Spec;

/// <summary>
/// The validator's field rules that a JSON Schema can say (patterns, enums, lengths, bounds, and the conditions between
/// sibling fields), keyed by the field's path under spec ("cpu.cores"; "[]" for a list's items, "{}" for a map's
/// values). Each comes from the validator's own constant, so the chart's values.schema.json refuses what kvedge
/// refuses. What a schema cannot say (quantity bounds, duplicates, base64, connection strings) is in the chart's
/// templates/_validate.tpl.
/// </summary>
public static class SpecConstraints
{
    /// <summary>A MAC in colon form whose first octet is unicast (the lowest bit 0): see <see cref="MacAddress"/>.</summary>
    public const string UnicastMacPattern = "^[0-9A-Fa-f][02468aceACE](:[0-9A-Fa-f]{2}){5}\\z";

    public const string UuidPattern = "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\\z";

    /// <summary>The key types <see cref="SshPublicKey"/> accepts, a base64 body, an optional comment.</summary>
    public static readonly string SshPublicKeyPattern =
        $"^({string.Join("|", SpecVocabulary.SshKeyTypes)}) [A-Za-z0-9+/]+={{0,2}}( [^\\n]*)?\\z";


    public static IReadOnlyDictionary<string, JsonObject> All() => new Dictionary<string, JsonObject>(StringComparer.Ordinal)
    {
        ["runStrategy"] = Enum(SpecVocabulary.RunStrategies),
        ["cpu.cores"] = Range(1, 256),
        ["cpu.sockets"] = Range(1, 64),
        ["cpu.threads"] = Range(1, 8),
        ["cpu.model"] = Pattern("^\\S+\\z", 256),
        ["memory"] = Pattern(Quantities.GrammarPattern, 64),
        ["hostname"] = Pattern(KubernetesNames.Dns1123LabelPattern, 63),
        ["evictionStrategy"] = Enum(SpecVocabulary.EvictionStrategies),
        ["placement.nodeSelector"] = LabelMap(reserved: false),
        ["placement.priorityClassName"] = Subdomain(),
        ["placement.tolerations[]"] = Toleration(),
        ["firmware"] = If(Not(Merge(Props(("bootloader", Const("efi"))), Required("bootloader"))), Props(("secureBoot", Const(false))), "secureBoot: secure boot needs bootloader efi"),
        ["firmware.uuid"] = Pattern(UuidPattern, 36),
        ["firmware.bootloader"] = Enum(["bios", "efi"]),
        ["network.macAddress"] = Mac(),
        ["rootDisk.containerDisk"] = Required("image"),
        ["rootDisk.containerDisk.image"] = Pattern(SpecVocabulary.ImageReferencePattern, 4096),
        ["rootDisk.containerDisk.imagePullPolicy"] = Enum(["Always", "IfNotPresent", "Never"]),
        ["rootDisk.http"] = Required("url"),
        ["rootDisk.http.url"] = Refusing(SpecVocabulary.UrlUserinfoPattern, Pattern("^(https?|gs)://[^/\\s?#]+([/?#]\\S*)?\\z", 8192)),
        ["rootDisk.http.checksum"] = Pattern(SpecVocabulary.ChecksumPattern, 140),
        ["rootDisk.http.secretRef"] = Subdomain(),
        ["rootDisk.http.certConfigMap"] = Subdomain(),
        ["rootDisk.registry"] = Required("url"),
        ["rootDisk.registry.url"] = Pattern("^(docker://" + Inner(SpecVocabulary.ImageReferencePattern) + "|oci-archive://.+)\\z", 4096),
        ["rootDisk.registry.pullMethod"] = Enum(["pod", "node"]),
        ["rootDisk.registry.secretRef"] = Subdomain(),
        ["rootDisk.registry.certConfigMap"] = Subdomain(),
        ["rootDisk.pvc"] = Required("name"),
        ["rootDisk.pvc.name"] = Subdomain(),
        ["rootDisk.pvc.namespace"] = Label1123(),
        ["rootDisk.dataSource"] = Required("name"),
        ["rootDisk.dataSource.name"] = Subdomain(),
        ["rootDisk.dataSource.namespace"] = Label1123(),
        ["rootDisk.size"] = Pattern(Quantities.GrammarPattern, 64),
        ["rootDisk.storageClassName"] = Subdomain(),
        ["rootDisk.accessMode"] = Enum(SpecVocabulary.AccessModes),
        ["rootDisk.volumeMode"] = Enum(SpecVocabulary.VolumeModes),
        ["dataDisk.size"] = Pattern(Quantities.GrammarPattern, 64),
        ["dataDisk.storageClassName"] = Subdomain(),
        // The VM writes to its data disk: ReadOnlyMany is refused (the validator's access-mode rule).
        ["dataDisk.accessMode"] = Enum(SpecVocabulary.AccessModes.Where(m => m != "ReadOnlyMany")),
        ["dataDisk.volumeMode"] = Enum(SpecVocabulary.VolumeModes),
        ["dataDisk.mountPath"] = Merge(Pattern(SpecVocabulary.MountPathPattern, 255), new JsonObject { ["not"] = new JsonObject { ["type"] = "string", ["pattern"] = SpecVocabulary.SystemFolderPattern } }),
        ["ssh.user"] = Merge(Pattern(SpecVocabulary.LinuxUserPattern, 32), new JsonObject { ["not"] = Enum(SpecVocabulary.SystemUsers.Order(StringComparer.Ordinal)) }),
        ["ssh.authorizedKeys[]"] = SshKey(),
        ["expose"] = Expose(),
        ["expose.type"] = Enum(SpecVocabulary.ServiceTypes),
        ["expose.sshPort"] = Range(1, 65535),
        ["expose.sshNodePort"] = Range(30000, 32767),
        ["expose.ports[]"] = Required("name", "port"),
        ["expose.ports[].name"] = Merge(Pattern(KubernetesNames.PortNamePattern, 15), new JsonObject { ["not"] = new JsonObject { ["anyOf"] = new JsonArray(Const("ssh"), new JsonObject { ["type"] = "string", ["pattern"] = "--" }) } }),
        ["expose.ports[].port"] = Range(1, 65535),
        ["expose.ports[].targetPort"] = Range(1, 65535),
        ["expose.ports[].nodePort"] = Range(30000, 32767),
        ["expose.ports[].protocol"] = Enum(["TCP", "UDP", "SCTP"]),
        ["expose.externalTrafficPolicy"] = Enum(["Cluster", "Local"]),
        ["expose.loadBalancerSourceRanges[]"] = Pattern(IpAddresses.CidrPattern, 64),
        ["expose.annotations"] = KeyMap(),
        ["iotEdge.version"] = Pattern(IotEdgeValidator.UpstreamVersionPattern, 32),
        ["iotEdge.identityServiceVersion"] = Pattern(IotEdgeValidator.PackageVersionPattern, 64),
        ["iotEdge.mobyEngineVersion"] = Pattern(IotEdgeValidator.PackageVersionPattern, 64),
        ["iotEdge.mobyContainerdVersion"] = Pattern(IotEdgeValidator.PackageVersionPattern, 64),
        ["iotEdge.mobyRuncVersion"] = Pattern(IotEdgeValidator.PackageVersionPattern, 64),
        ["iotEdge.packageRepository.url"] = Refusing(SpecVocabulary.UrlUserinfoPattern, Pattern("^(https?|file)://\\S+\\z", 2048)),
        ["iotEdge.packageRepository.suite"] = Pattern(IotEdgeValidator.SuitePattern, 64),
        ["iotEdge.packageRepository.components[]"] = Pattern(IotEdgeValidator.SuitePattern, 64),
        ["iotEdge.packageRepository.signingKey"] = Refusing("PRIVATE KEY", Pattern("-----BEGIN PGP PUBLIC KEY BLOCK-----", 1 << 20)),
        ["iotEdge.provisioning"] = Provisioning(),
        ["iotEdge.provisioning.source"] = Enum(ProvisioningModes.Sources),
        ["iotEdge.provisioning.method"] = Enum(ProvisioningModes.ManualMethods.Union(ProvisioningModes.DpsMethods)),
        ["iotEdge.provisioning.iothubHostname"] = Pattern(IotIdentifiers.HubHostnamePattern, 253),
        ["iotEdge.provisioning.deviceId"] = Merge(Pattern(IotIdentifiers.DeviceIdPattern, 128), new JsonObject { ["not"] = new JsonObject { ["type"] = "string", ["pattern"] = "[;+#]" } }),
        ["iotEdge.provisioning.idScope"] = Pattern(IotIdentifiers.IdScopePattern, 11),
        ["iotEdge.provisioning.registrationId"] = Pattern(IotIdentifiers.RegistrationIdPattern, 128),
        ["iotEdge.provisioning.globalEndpoint"] = Pattern("^https://[^/\\s?#@]+/?\\z", 253),
        ["iotEdge.provisioning.enrollment"] = Enum(["individual", "group"]),
        ["iotEdge.credentials.existingSecret"] = Subdomain(),
        ["iotEdge.registration.iotHub"] = Required("hostname"),
        ["iotEdge.registration.iotHub.hostname"] = Pattern(IotIdentifiers.HubHostnamePattern, 253),
        ["iotEdge.registration.iotHub.x509Authentication"] = Enum(["selfSigned", "certificateAuthority"]),
        ["iotEdge.registration.iotHub.parentDeviceId"] = Merge(Pattern(IotIdentifiers.DeviceIdPattern, 128), new JsonObject { ["not"] = new JsonObject { ["type"] = "string", ["pattern"] = "[;+#]" } }),
        ["iotEdge.registration.dps"] = Required("serviceHost"),
        ["iotEdge.registration.dps.serviceHost"] = Pattern(IotEdgeValidator.DpsServiceHostPattern, 253),
        ["iotEdge.registration.onDelete"] = Enum(RegistrationOnDelete.All),
        ["iotEdge.registration.baseDeployment.priority"] = Range(0, int.MaxValue),
        ["iotEdge.registration.baseDeployment.fleet"] = Pattern(KubernetesNames.Dns1123LabelPattern, 63),
        ["iotEdge.registration.iotHub.auth"] = ServiceAuth(),
        ["iotEdge.registration.iotHub.auth.sasSecretRef"] = Required("name", "policyName"),
        ["iotEdge.registration.iotHub.auth.sasSecretRef.name"] = Subdomain(),
        ["iotEdge.registration.iotHub.auth.sasSecretRef.key"] = Pattern(KubernetesNames.ConfigMapKeyPattern, 253),
        ["iotEdge.registration.iotHub.auth.sasSecretRef.policyName"] = Pattern(IotEdgeValidator.PolicyNamePattern, 64),
        ["iotEdge.registration.dps.auth"] = ServiceAuth(),
        ["iotEdge.registration.dps.auth.sasSecretRef"] = Required("name", "policyName"),
        ["iotEdge.registration.dps.auth.sasSecretRef.name"] = Subdomain(),
        ["iotEdge.registration.dps.auth.sasSecretRef.key"] = Pattern(KubernetesNames.ConfigMapKeyPattern, 253),
        ["iotEdge.registration.dps.auth.sasSecretRef.policyName"] = Pattern(IotEdgeValidator.PolicyNamePattern, 64),
        ["iotEdge.autoReprovisioningMode"] = Enum(["Dynamic", "AlwaysOnStartup", "OnErrorOnly"]),
        ["iotEdge.edgeCaAutoGeneratedExpiryDays"] = Range(1, 3650),
        ["iotEdge.agent.imagePullPolicy"] = Enum(["on-create", "never"]),
        ["iotEdge.proxy.httpsProxy"] = Refusing("@", Pattern(IotEdgeValidator.ProxyPattern, 2048)),
        ["iotEdge.proxy.noProxy[]"] = Pattern(IotEdgeValidator.NoProxyPattern, 253),
        ["iotEdge.parentHostname"] = Pattern("^(" + Inner(IotEdgeValidator.Rfc1035LabelPattern) + "(\\." + Inner(IotEdgeValidator.Rfc1035LabelPattern) + ")*|" + Inner(IpAddresses.AddressPattern) + ")\\z", 64),
        ["iotEdge.dnsServers[]"] = Pattern(IpAddresses.AddressPattern, 64),
        ["iotEdge.containerLogs.driver"] = Enum(["local", "json-file", "journald"]),
        ["iotEdge.containerLogs.maxSize"] = Pattern(IotEdgeValidator.LogSizePattern, 16),
        ["iotEdge.containerLogs.maxFile"] = Range(1, 100),
    };

    /// <summary>
    /// The end anchor of every pattern: .NET's `$` also matches before a final "\n" (Go's, which helm's schema check
    /// uses, does not), so a value with a trailing newline passed kvedge and failed the chart. `\z` means the same in both.
    /// </summary>
    public const string End = "\\z";

    /// <summary>A pattern's body without its `^` and <see cref="End"/>, to build a larger pattern from it.</summary>
    public static string Inner(string anchored) =>
        anchored.StartsWith('^') && anchored.EndsWith(End, StringComparison.Ordinal)
            ? anchored[1..^End.Length]
            : throw new ArgumentException($"not anchored with ^ and {End}: {anchored}", nameof(anchored));

    public static JsonObject Label1035() => Pattern(KubernetesNames.Dns1035LabelPattern, 63);

    public static JsonObject Label1123() => Pattern(KubernetesNames.Dns1123LabelPattern, 63);

    public static JsonObject Subdomain() => Pattern(KubernetesNames.Dns1123SubdomainPattern, 253);

    public static JsonObject Mac() => Merge(Pattern(UnicastMacPattern, 17), new JsonObject { ["not"] = new JsonObject { ["type"] = "string", ["pattern"] = "^(00:){5}00\\z" } });

    /// <summary>
    /// An SSH public key. A private key is refused by a `not` alone, so helm's message names the field and never
    /// prints the key; only a value that is not a private key is held to the public-key pattern (whose message shows it).
    /// </summary>
    public static JsonObject SshKey()
    {
        var privateKey = new JsonObject { ["type"] = "string", ["pattern"] = "PRIVATE KEY|PuTTY-User-Key-File|-----BEGIN" };
        return new JsonObject
        {
            ["not"] = privateKey,
            ["if"] = new JsonObject { ["not"] = privateKey.DeepClone() },
            ["then"] = Pattern(SshPublicKeyPattern, 16384),
        };
    }

    /// <summary>Label keys (qualified names, kvedge's own refused when <paramref name="reserved"/>) and label values.</summary>
    public static JsonObject LabelMap(bool reserved)
    {
        var map = KeyMap();
        map["additionalProperties"] = Merge(new JsonObject { ["type"] = "string" }, Pattern("^(" + Inner(KubernetesNames.QualifiedNamePattern) + ")?\\z", 63));
        if (reserved)
        {
            map["propertyNames"]!["not"] = new JsonObject
            {
                ["type"] = "string",
                ["pattern"] = "^(kvedge\\.io/.*|" + string.Join("|", new[] { StandardLabels.Name, StandardLabels.Instance, StandardLabels.ManagedBy, StandardLabels.PartOf }.Select(k => k.Replace(".", "\\.", StringComparison.Ordinal))) + ")\\z",
            };
        }

        return map;
    }

    /// <summary>
    /// A value matching <paramref name="refused"/> (userinfo in a URL, a private key) fails a `false` schema, whose
    /// message names the field without the value; any other value is held to <paramref name="otherwise"/>.
    /// </summary>
    public static JsonObject Refusing(string refused, JsonObject otherwise) => new()
    {
        ["if"] = new JsonObject { ["type"] = "string", ["pattern"] = refused },
        ["then"] = false,
        ["else"] = otherwise,
    };

    /// <summary>
    /// A free-text value that looks like a credential, as <see cref="Diagnostics.DisplayText.LooksLikeCredential"/> says:
    /// a PEM block or PuTTY key, a connection string or SAS token, or a lone base64 run of 43 or more characters with
    /// a digit, an upper- and a lower-case letter. Refused by `not`, so helm's message does not show it.
    /// </summary>
    public static JsonObject NoCredential()
    {
        JsonObject Str(params string[] patterns) => patterns.Length == 1
            ? new JsonObject { ["type"] = "string", ["pattern"] = patterns[0] }
            : new JsonObject { ["type"] = "string", ["allOf"] = new JsonArray([.. patterns.Select(p => (JsonNode?)new JsonObject { ["pattern"] = p })]) };
        return new JsonObject
        {
            ["not"] = new JsonObject
            {
                ["anyOf"] = new JsonArray(
                    Str("-----BEGIN|PRIVATE KEY|PuTTY-User-Key-File|(?i:sharedaccesskey|sharedaccesssignature)"),
                    Str("sig=", "se="),
                    Str("^\\s*[A-Za-z0-9+/=_-]{43,}\\s*\\z", "[0-9]", "[A-Z]", "[a-z]")),
            },
        };
    }

    /// <summary>Map keys that are qualified names with an optional DNS-subdomain prefix (annotation keys), values that are no credential.</summary>
    public static JsonObject KeyMap() => new()
    {
        ["additionalProperties"] = NoCredential(),
        ["propertyNames"] = new JsonObject
        {
            ["maxLength"] = 317,
            ["pattern"] = "^(" + Inner(KubernetesNames.Dns1123SubdomainPattern) + "/)?" + "[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?\\z",
        },
    };

    // Every field of core/v1 Toleration (kubernetes/api v0.36.3 core/v1/types.go) is named, so the CRD's rules between
    // them can read each one.
    private static JsonObject Toleration() => new()
    {
        ["properties"] = new JsonObject
        {
            ["key"] = new JsonObject { ["type"] = "string" },
            ["operator"] = Enum(["Exists", "Equal"]),
            ["value"] = new JsonObject { ["type"] = "string" },
            ["effect"] = Enum(["", "NoSchedule", "PreferNoSchedule", "NoExecute"]),
            ["tolerationSeconds"] = new JsonObject { ["type"] = "integer" },
        },
        ["allOf"] = new JsonArray(
            If(Props(("operator", Const("Exists"))), Props(("value", Enum(["", null]))), "value: must be empty when operator is Exists"),
            If(Not(Merge(Props(("effect", Const("NoExecute"))), Required("effect"))), Props(("tolerationSeconds", new JsonObject { ["type"] = "null" })), "tolerationSeconds: is only valid with effect NoExecute")),
    };

    private static JsonObject Expose()
    {
        var internalTypes = Enum([ExposeTypes.ClusterIP, ExposeTypes.None]);
        var noNodePort = new JsonObject { ["type"] = "null" };
        return new JsonObject
        {
            ["allOf"] = new JsonArray(
                If(Props(("type", Const(ExposeTypes.None))), Props(("ports", new JsonObject { ["maxItems"] = 0 })), "ports: type None exposes no ports"),
                If(Props(("type", internalTypes)), Props(
                        ("sshNodePort", noNodePort),
                    ("externalTrafficPolicy", noNodePort.DeepClone()),
                    ("ports", new JsonObject { ["items"] = Props(("nodePort", noNodePort.DeepClone())) })), "sshNodePort, externalTrafficPolicy, ports[].nodePort: only apply to NodePort and LoadBalancer"),
                If(Props(("type", new JsonObject { ["not"] = Const(ExposeTypes.LoadBalancer) })), Props(("loadBalancerSourceRanges", new JsonObject { ["maxItems"] = 0 })), "loadBalancerSourceRanges: only applies to type LoadBalancer")),
        };
    }

    /// <summary>Which fields each source and method takes, as the validator's provisioning rules say.</summary>
    private static JsonObject Provisioning()
    {
        var absent = new JsonObject { ["type"] = "null" };
        var given = new JsonObject { ["type"] = "string" };
        return new JsonObject
        {
            ["allOf"] = new JsonArray(
                If(Props(("source", Const("manual"))), Props(("method", Enum(ProvisioningModes.ManualMethods)), ("idScope", absent), ("registrationId", absent.DeepClone())),
                    $"source manual: method is one of {string.Join(", ", ProvisioningModes.ManualMethods)}; idScope and registrationId only apply to source dps"),
                If(Props(("source", Const("dps"))), Props(("method", Enum(ProvisioningModes.DpsMethods)), ("iothubHostname", absent.DeepClone()), ("deviceId", absent.DeepClone())),
                    $"source dps: method is one of {string.Join(", ", ProvisioningModes.DpsMethods)}; iothubHostname and deviceId only apply to source manual (DPS assigns the hub and the id)"),
                If(Props(("source", Const("manual")), ("method", Const("connectionString"))), Props(("iothubHostname", absent.DeepClone()), ("deviceId", absent.DeepClone())),
                    "iothubHostname, deviceId: come from the connection string; remove them"),
                If(Merge(Props(("source", Const("manual")), ("method", Enum(["symmetricKey", "x509"]))), Required("source", "method")),
                    Merge(Required("iothubHostname", "deviceId"), Props(("iothubHostname", given), ("deviceId", given.DeepClone()))), "iothubHostname, deviceId: are required for manual symmetricKey and x509"),
                If(Merge(Props(("source", Const("dps")), ("method", Enum(["symmetricKey", "tpm"]))), Required("source", "method")),
                    Merge(Required("registrationId"), Props(("registrationId", given.DeepClone()))), "registrationId: is required for dps symmetricKey and tpm"),
                If(Not(Merge(Props(("source", Const("dps")), ("method", Const("symmetricKey"))), Required("source", "method"))), Props(("enrollment", Enum(["individual"]))),
                    "enrollment: group enrollment applies only to dps symmetricKey (X.509 groups use the certificate chain)")),
        };
    }

    /// <summary>
    /// What a credential looks like (<see cref="Diagnostics.DisplayText.LooksLikeCredential"/>, as a pattern): helm's
    /// message for a failed pattern prints the value, so a value that fails its pattern and looks like a credential
    /// fails a `false` schema instead, whose message names only the field.
    /// </summary>
    public const string CredentialLookPattern = "-----BEGIN|PRIVATE KEY|PuTTY-User-Key-File|SharedAccessKey|SharedAccessSignature|^\\s*[A-Za-z0-9+/=_-]{43,}\\s*$";

    /// <summary>A string held to <paramref name="pattern"/>; a value that fails it is shown in helm's message unless it looks like a credential.</summary>
    public static JsonObject Pattern(string pattern, int maxLength) => new()
    {
        ["maxLength"] = maxLength,
        ["if"] = new JsonObject { ["pattern"] = pattern },
        ["else"] = new JsonObject
        {
            ["if"] = new JsonObject { ["type"] = "string", ["pattern"] = CredentialLookPattern },
            ["then"] = false,
            ["else"] = new JsonObject { ["pattern"] = pattern },
        },
    };

    public static JsonObject Range(long min, long max) => new() { ["minimum"] = min, ["maximum"] = max };

    public static JsonObject Enum(IEnumerable<string?> values) => new() { ["enum"] = new JsonArray(values.Select(v => (JsonNode?)v).ToArray()) };

    // sasSecretRef or entra, not both.
    private static JsonObject ServiceAuth() => new()
    {
        ["allOf"] = new JsonArray(
            If(Required("entra"), Not(Required("sasSecretRef")), "give one of sasSecretRef (a shared access policy's key) and entra (Entra ID), not both"),
            If(Not(Required("entra")), Required("sasSecretRef"), "sasSecretRef is required: the Secret holding a shared access policy's key (name, key, policyName), or entra: {} for Entra ID")),
    };

    private static JsonObject Not(JsonObject schema) => new() { ["not"] = schema };

    private static JsonObject Const(JsonNode value) => new() { ["const"] = value };

    private static JsonObject Required(params string[] names) => new() { ["required"] = new JsonArray(names.Select(n => (JsonNode?)n).ToArray()) };

    private static JsonObject Props(params (string Name, JsonNode Schema)[] properties)
    {
        var props = new JsonObject();
        foreach (var (name, schema) in properties)
        {
            props[name] = schema;
        }

        return new JsonObject { ["properties"] = props };
    }

    /// <summary>if/then; the condition's properties are required too, so an absent field never makes it hold vacuously.</summary>
    /// <param name="message">The rule in words, as the validator says it; the CRD's CEL rule carries it as its message.</param>
    private static JsonObject If(JsonObject condition, JsonObject then, string message)
    {
        if (condition["required"] is null && condition["properties"] is JsonObject props)
        {
            condition["required"] = new JsonArray(props.Select(kv => (JsonNode?)kv.Key).ToArray());
        }

        return new JsonObject { ["$comment"] = message, ["if"] = condition, ["then"] = then };
    }

    public static JsonObject Merge(JsonObject a, JsonObject b)
    {
        var result = (JsonObject)a.DeepClone();
        foreach (var (k, v) in b)
        {
            result[k] = v?.DeepClone();
        }

        return result;
    }
}
