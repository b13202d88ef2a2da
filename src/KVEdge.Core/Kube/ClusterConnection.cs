using k8s;
using k8s.Exceptions;
using k8s.KubeConfigModels;

namespace KVEdge.Core.Kube;

/// <summary>
/// Resolves a connection with client-go's loading rules (what kubectl does): --kubeconfig names one file that must
/// exist; otherwise every file KUBECONFIG lists that exists is merged, the first to set a value winning; otherwise
/// ~/.kube/config; otherwise the pod's service account. The one difference: when nothing is found it says so, where
/// kubectl and KubernetesClient silently fall back to http://localhost:8080.
/// </summary>
public static class ClusterConnection
{
    public static KubernetesClientConfiguration Resolve(ClusterConnectionOptions options, Func<string, string?> environment, string home)
    {
        var files = KubeconfigFiles(options, environment, home);
        if (files.Count == 0)
        {
            if (options.Context is null && environment("KUBERNETES_SERVICE_HOST") is not null && KubernetesClientConfiguration.IsInCluster())
            {
                return KubernetesClientConfiguration.InClusterConfig();
            }

            var kubeconfigVariable = environment("KUBECONFIG");
            throw new ClusterUnavailableException(string.IsNullOrEmpty(kubeconfigVariable)
                ? $"no cluster configured: no kubeconfig at {Path.Combine(home, ".kube", "config")}, KUBECONFIG is not set, and this is not a pod; pass --kubeconfig or set KUBECONFIG"
                : $"no cluster configured: KUBECONFIG={kubeconfigVariable} names no file that exists, and this is not a pod; pass --kubeconfig or fix KUBECONFIG");
        }

        var described = string.Join(", ", files.Select(f => f.FullName));
        // Each file is checked and read once here; KubernetesClient's loader reads it again to resolve relative paths.
        var texts = files.Select(ReadKubeconfig).ToList();
        try
        {
            var configs = files.Select((f, i) => WithTokenFiles(f, texts[i], KubernetesClientConfiguration.LoadKubeConfig(f, useRelativePaths: true))).ToList();
            var merged = Merge(configs);
            if (options.Context is not null && merged.Contexts?.Any(c => c.Name == options.Context) != true)
            {
                throw new ClusterUnavailableException($"kubeconfig {described}: context \"{options.Context}\" does not exist (contexts: {ContextNames(merged)})");
            }

            if (options.Context is null && string.IsNullOrEmpty(merged.CurrentContext))
            {
                throw new ClusterUnavailableException($"kubeconfig {described}: no current-context is set; pass --context (contexts: {ContextNames(merged)})");
            }

            return KubernetesClientConfiguration.BuildConfigFromConfigObject(merged, currentContext: options.Context);
        }
        catch (KubeConfigException ex)
        {
            throw new ClusterUnavailableException($"kubeconfig {described}: {Plain(ex)}", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or YamlDotNet.Core.YamlException or FormatException)
        {
            throw new ClusterUnavailableException($"kubeconfig {described} cannot be read: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// KubernetesClient's message without the .NET exception it wraps: a credential plugin that failed ("az login"
    /// first) surfaced as a JSON parser's stack trace, hiding what the plugin itself printed.
    /// </summary>
    private static string Plain(KubeConfigException ex)
    {
        var message = ex.Message;
        var cut = message.IndexOf(": System.", StringComparison.Ordinal);
        if (message.StartsWith("external exec failed", StringComparison.Ordinal))
        {
            return "the user's exec credential plugin gave no credential (it printed no ExecCredential JSON; what it printed to stderr is above)";
        }

        return cut > 0 ? message[..cut] : message.Split('\n')[0];
    }

    /// <summary>The most a token file may hold: a service-account or OIDC token is a few KiB.</summary>
    public const int MaxTokenBytes = 64 * 1024;

    /// <summary>
    /// client-go's users[].user.tokenFile (kubectl reads the bearer token from it; KubernetesClient's model has no such
    /// field): read from the kubeconfig's own YAML and given as the user's token, a relative path taken from the
    /// kubeconfig's folder, as client-go does. A token given inline wins, as in client-go.
    /// </summary>
    private static K8SConfiguration WithTokenFiles(FileInfo file, string text, K8SConfiguration config)
    {
        // Parsed a second time only when a user names a token file: every cluster command reads the kubeconfig.
        if (!text.Contains("tokenFile", StringComparison.Ordinal))
        {
            return config;
        }

        var yaml = new YamlDotNet.RepresentationModel.YamlStream();
        yaml.Load(new StringReader(text));
        if (yaml.Documents is not [{ RootNode: YamlDotNet.RepresentationModel.YamlMappingNode root }, ..]
            || !root.Children.TryGetValue("users", out var usersNode) || usersNode is not YamlDotNet.RepresentationModel.YamlSequenceNode users)
        {
            return config;
        }

        foreach (var entry in users.Children.OfType<YamlDotNet.RepresentationModel.YamlMappingNode>())
        {
            if (entry.Children.TryGetValue("name", out var nameNode) && nameNode is YamlDotNet.RepresentationModel.YamlScalarNode { Value: { } name }
                && entry.Children.TryGetValue("user", out var userNode) && userNode is YamlDotNet.RepresentationModel.YamlMappingNode user
                && user.Children.TryGetValue("tokenFile", out var tokenNode) && tokenNode is YamlDotNet.RepresentationModel.YamlScalarNode { Value: { Length: > 0 } tokenFile }
                && config.Users?.FirstOrDefault(u => u.Name == name) is { } named && string.IsNullOrEmpty(named.UserCredentials?.Token))
            {
                var path = Path.IsPathRooted(tokenFile) ? tokenFile : Path.Combine(file.DirectoryName!, tokenFile);
                var token = Files.PathKinds.ReadSmallText(path, MaxTokenBytes, why => new ClusterUnavailableException($"kubeconfig {file.FullName}: user \"{name}\"'s tokenFile {path} {why}"));
                named.UserCredentials ??= new UserCredentials();
                named.UserCredentials.Token = token.Trim();
            }
        }

        return config;
    }

    /// <summary>A kubeconfig is a few KiB: larger than this is not one (kvedge would otherwise read /dev/zero until memory ran out).</summary>
    public const long MaxKubeconfigBytes = 16 * 1024 * 1024;

    // Checked before the loader opens it: a device or FIFO would be read forever (or block), a huge file into memory,
    // YAML nested thousands deep past the call stack.
    private static string ReadKubeconfig(FileInfo file)
    {
        var text = Files.PathKinds.ReadSmallText(file.FullName, MaxKubeconfigBytes, why => new ClusterUnavailableException($"kubeconfig {file.FullName} {why}; not a kubeconfig"));
        if (Files.YamlDepth.FirstTooDeep(text) is { } deep)
        {
            throw new ClusterUnavailableException($"kubeconfig {file.FullName}: line {deep.Line} nests more than {Files.YamlDepth.Max} deep; it is not a kubeconfig");
        }

        return text;
    }

    private static List<FileInfo> KubeconfigFiles(ClusterConnectionOptions options, Func<string, string?> environment, string home)
    {
        if (options.Kubeconfig is not null)
        {
            // An explicit file is never skipped for another one: kubectl fails too when it is missing.
            return File.Exists(options.Kubeconfig)
                ? [new FileInfo(options.Kubeconfig)]
                : throw new ClusterUnavailableException($"no kubeconfig at {options.Kubeconfig} (--kubeconfig)");
        }

        var variable = environment("KUBECONFIG");
        if (!string.IsNullOrEmpty(variable))
        {
            return [.. variable.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .Distinct(StringComparer.Ordinal)
                .Where(File.Exists)
                .Select(p => new FileInfo(p))];
        }

        var defaultPath = Path.Combine(home, ".kube", "config");
        return File.Exists(defaultPath) ? [new FileInfo(defaultPath)] : [];
    }

    // client-go's merge (KubernetesClient has one, but not public): the first file to name a cluster, user or context,
    // or to set current-context, wins.
    private static K8SConfiguration Merge(List<K8SConfiguration> configs)
    {
        var merged = configs[0];
        merged.Clusters = FirstByName(configs.SelectMany(c => c.Clusters ?? []), c => c.Name);
        merged.Users = FirstByName(configs.SelectMany(c => c.Users ?? []), u => u.Name);
        merged.Contexts = FirstByName(configs.SelectMany(c => c.Contexts ?? []), c => c.Name);
        merged.CurrentContext = configs.Select(c => c.CurrentContext).FirstOrDefault(c => !string.IsNullOrEmpty(c));
        return merged;
    }

    private static List<T> FirstByName<T>(IEnumerable<T> items, Func<T, string> name) =>
        [.. items.DistinctBy(name, StringComparer.Ordinal)];

    private static string ContextNames(K8SConfiguration config) =>
        config.Contexts is { Count: > 0 } ? string.Join(", ", config.Contexts.Select(c => c.Name)) : "none";
}
