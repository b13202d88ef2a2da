using KVEdge.Core.Kube;

namespace KVEdge.Core.Tests.Kube;

/// <summary>client-go's loading rules, as kubectl applies them, and a clear error where kubectl would fall back to localhost:8080.</summary>
public sealed class ClusterConnectionTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("kvedge-kubeconfig-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    private string Clusters() => Write("clusters.yaml", """
        apiVersion: v1
        kind: Config
        clusters:
        - {name: factory-a, cluster: {server: "https://10.20.0.1:6443", insecure-skip-tls-verify: true}}
        - {name: factory-b, cluster: {server: "https://10.30.0.1:6443", insecure-skip-tls-verify: true}}
        users:
        - {name: ops, user: {token: t0k3n}}
        """);

    private string Contexts(string current = "current-context: a") => Write("contexts.yaml", $$$"""
        apiVersion: v1
        kind: Config
        contexts:
        - {name: a, context: {cluster: factory-a, user: ops, namespace: edge}}
        - {name: b, context: {cluster: factory-b, user: ops}}
        {{{current}}}
        """);

    private static ClusterConnectionOptions Options(string? kubeconfig = null, string? context = null) => new(kubeconfig, context);

    private static Func<string, string?> Env(params (string Name, string Value)[] variables) =>
        name => variables.Where(v => v.Name == name).Select(v => v.Value).FirstOrDefault();

    [Fact]
    public void Every_file_KUBECONFIG_lists_is_merged_as_kubectl_does()
    {
        var list = string.Join(Path.PathSeparator, Path.Combine(_folder, "missing.yaml"), Clusters(), Contexts());
        var config = ClusterConnection.Resolve(Options(), Env(("KUBECONFIG", list)), _folder);
        Assert.Equal("https://10.20.0.1:6443", config.Host.TrimEnd('/'));
        Assert.Equal("edge", config.Namespace);
        Assert.Equal("t0k3n", config.AccessToken);

        var other = ClusterConnection.Resolve(Options(context: "b"), Env(("KUBECONFIG", list)), _folder);
        Assert.Equal("https://10.30.0.1:6443", other.Host.TrimEnd('/'));
        Assert.Null(other.Namespace);
    }

    [Fact]
    public void The_default_file_is_used_when_KUBECONFIG_is_unset_and_an_explicit_file_wins_over_both()
    {
        Directory.CreateDirectory(Path.Combine(_folder, ".kube"));
        var merged = File.ReadAllText(Clusters()) + "\n" + File.ReadAllText(Contexts()).Replace("apiVersion: v1\nkind: Config\n", "", StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(_folder, ".kube", "config"), merged);
        Assert.Equal("https://10.20.0.1:6443", ClusterConnection.Resolve(Options(), Env(), _folder).Host.TrimEnd('/'));

        var explicitFile = Write("explicit.yaml", merged.Replace("current-context: a", "current-context: b", StringComparison.Ordinal));
        var config = ClusterConnection.Resolve(Options(kubeconfig: explicitFile), Env(("KUBECONFIG", Clusters())), _folder);
        Assert.Equal("https://10.30.0.1:6443", config.Host.TrimEnd('/'));
    }

    [Fact]
    public void Nothing_configured_is_an_error_that_says_what_was_looked_for()
    {
        var none = Assert.Throws<ClusterUnavailableException>(() => ClusterConnection.Resolve(Options(), Env(), _folder));
        Assert.Equal($"no cluster configured: no kubeconfig at {_folder}/.kube/config, KUBECONFIG is not set, and this is not a pod; pass --kubeconfig or set KUBECONFIG", none.Message);

        var missing = Path.Combine(_folder, "gone.yaml");
        var unset = Assert.Throws<ClusterUnavailableException>(() => ClusterConnection.Resolve(Options(), Env(("KUBECONFIG", missing)), _folder));
        Assert.Equal($"no cluster configured: KUBECONFIG={missing} names no file that exists, and this is not a pod; pass --kubeconfig or fix KUBECONFIG", unset.Message);

        var explicitMissing = Assert.Throws<ClusterUnavailableException>(() => ClusterConnection.Resolve(Options(kubeconfig: missing), Env(), _folder));
        Assert.Equal($"no kubeconfig at {missing} (--kubeconfig)", explicitMissing.Message);
    }

    [Fact]
    public void An_unknown_context_or_no_current_context_names_the_contexts_there_are()
    {
        var list = string.Join(Path.PathSeparator, Clusters(), Contexts());
        var unknown = Assert.Throws<ClusterUnavailableException>(() => ClusterConnection.Resolve(Options(context: "c"), Env(("KUBECONFIG", list)), _folder));
        Assert.EndsWith("context \"c\" does not exist (contexts: a, b)", unknown.Message, StringComparison.Ordinal);

        var noCurrent = string.Join(Path.PathSeparator, Clusters(), Contexts(current: ""));
        var unset = Assert.Throws<ClusterUnavailableException>(() => ClusterConnection.Resolve(Options(), Env(("KUBECONFIG", noCurrent)), _folder));
        Assert.EndsWith("no current-context is set; pass --context (contexts: a, b)", unset.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_malformed_kubeconfig_is_a_clear_error_not_an_exception_trace()
    {
        var broken = Write("broken.yaml", "apiVersion: v1\nkind: Config\nclusters: [ {name: x\n");
        var error = Assert.Throws<ClusterUnavailableException>(() => ClusterConnection.Resolve(Options(kubeconfig: broken), Env(), _folder));
        Assert.StartsWith($"kubeconfig {broken} cannot be read: ", error.Message, StringComparison.Ordinal);
    }

    private string WithUser(string user) => Write("user.yaml", $$$"""
        apiVersion: v1
        kind: Config
        clusters:
        - {name: factory-a, cluster: {server: "https://10.20.0.1:6443", insecure-skip-tls-verify: true}}
        users:
        - name: ops
          user:
        {{{user}}}
        contexts:
        - {name: a, context: {cluster: factory-a, user: ops}}
        current-context: a
        """);

    [Fact]
    public void A_user_with_only_a_token_file_authenticates_with_its_token_as_kubectl_does()
    {
        Write("token.txt", "ey.token-from-file\n");
        var config = ClusterConnection.Resolve(Options(kubeconfig: WithUser("    tokenFile: token.txt")), Env(), _folder);
        Assert.Equal("ey.token-from-file", config.AccessToken);

        // An inline token wins over the file, as in client-go.
        var both = ClusterConnection.Resolve(Options(kubeconfig: WithUser("    token: inline\n    tokenFile: token.txt")), Env(), _folder);
        Assert.Equal("inline", both.AccessToken);
    }

    [Fact]
    public void A_token_file_that_is_a_device_is_refused_before_it_is_read()
    {
        var error = Assert.Throws<ClusterUnavailableException>(() => ClusterConnection.Resolve(Options(kubeconfig: WithUser("    tokenFile: /dev/zero")), Env(), _folder));
        Assert.Contains("user \"ops\"'s tokenFile /dev/zero is a character device, not a file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failing_exec_credential_plugin_is_said_plainly_not_as_a_json_parser_trace()
    {
        var plugin = Write("plugin.sh", "#!/bin/sh\necho \"error: run az login first\" >&2\nexit 1\n");
        File.SetUnixFileMode(plugin, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var kubeconfig = WithUser($"    exec: {{apiVersion: client.authentication.k8s.io/v1, command: {plugin}, interactiveMode: Never}}");
        var error = Assert.Throws<ClusterUnavailableException>(() => ClusterConnection.Resolve(Options(kubeconfig: kubeconfig), Env(), _folder));
        Assert.Equal($"kubeconfig {kubeconfig}: the user's exec credential plugin gave no credential (it printed no ExecCredential JSON; what it printed to stderr is above)", error.Message);
    }
}
