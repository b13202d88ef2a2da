using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KVEdge.Testing.ApiServer;

/// <summary>
/// THE PROJECT'S CONTRACT TEST SERVER, NOT A CLUSTER. An in-process HTTP server on 127.0.0.1 that speaks the
/// Kubernetes REST API for the resources kvedge uses, so the real KubernetesClient can be driven against it. It enforces
/// the API server behaviour kvedge relies on, each rule citing the Kubernetes documentation it follows; it does not run
/// admission webhooks or a scheduler, and its RBAC is a configurable role for the test user and rule matching for a
/// service account's token (<see cref="ServiceAccounts"/>), without aggregation or escalation checks. Its
/// <see cref="Simulator"/> plays the KubeVirt and CDI controllers where a test needs them.
/// </summary>
public sealed partial class ContractApiServer : IAsyncDisposable
{
    public const string Token = "contract-test-token";

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private int _requestCount;

    public ObjectStore Store { get; } = new();

    public FaultInjector Faults { get; } = new();

    public KubeVirtSimulator Simulator { get; }

    /// <summary>
    /// The test user's role, as RBAC denies it (https://kubernetes.io/docs/reference/access-authn-authz/rbac/): verb/resource
    /// pairs refused everywhere ("delete datavolumes", "create virtualmachines", "update virtualmachines/restart") or in one
    /// namespace ("delete datavolumes in factory-b"). Every request is authorised against it (a 403 Forbidden) and
    /// SelfSubjectAccessReview answers from it.
    /// </summary>
    public HashSet<string> Denied { get; } = new(StringComparer.Ordinal);

    /// <summary>When set, the user's only grant is a Role in this namespace: every cluster-scoped request (nodes, storage
    /// classes, the KubeVirt and CDI CRs, lists across namespaces) and every other namespace is forbidden.</summary>
    public string? NamespaceScope { get; set; }

    /// <summary>
    /// Whether the test user also holds a ClusterRole. Off by default: the user is namespace-scoped, as the platform teams
    /// we serve hand out access (an edit Role bound in each namespace a team owns; the ClusterRole and its binding stay with
    /// the cluster's administrators, https://kubernetes.io/docs/reference/access-authn-authz/rbac/#rolebinding-and-clusterrolebinding).
    /// Such a user may do anything namespaced in any namespace here, and nothing at the cluster scope: nodes, storage
    /// classes, namespaces other than by name, the KubeVirt and CDI CRs, CRDs and every list across namespaces are a 403.
    /// A test of what a cluster administrator sees turns it on.
    /// </summary>
    public bool ClusterScope { get; set; }

    /// <summary>API groups not served (their CRDs not installed): every request to them is a 404, as on a cluster without
    /// KubeVirt or CDI.</summary>
    public HashSet<string> UnservedGroups { get; } = new(StringComparer.Ordinal);

    /// <summary>Whether the test user may do this (the RBAC authorizer, with <see cref="Denied"/>, <see cref="NamespaceScope"/>
    /// and <see cref="ClusterScope"/>); <paramref name="ns"/> is the request's namespace attribute, null at the cluster scope.</summary>
    public bool Allows(string verb, string resource, string? ns) =>
        !Denied.Contains($"{verb} {resource}") && !Denied.Contains($"{verb} {resource} in {ns}")
        && (NamespaceScope is null ? ns is not null || ClusterScope : ns == NamespaceScope);

    /// <summary>
    /// Service accounts by bearer token: a request with one of these tokens is that account's, authorised by its RBAC
    /// rules alone (<see cref="ServiceAccountGrant"/>), subresources by their own name ("edgedevices/status") as the API
    /// server authorises them. The test user's token is the one of <see cref="WriteKubeconfig"/>.
    /// </summary>
    public Dictionary<string, ServiceAccountGrant> ServiceAccounts { get; } = new(StringComparer.Ordinal);

    // The service account of the request being served (null: the test user).
    private static readonly AsyncLocal<ServiceAccountGrant?> Caller = new();

    private void Authorize(string verb, ResourceType type, string? ns, string? subresource = null, string? name = null, string? group = null)
    {
        if (Caller.Value is { } account)
        {
            var scopeNs = type.Namespaced ? ns : type.Plural == "namespaces" ? name : null;
            // A create, list or watch names no object, so a rule with resourceNames never allows one.
            var named = verb is "create" or "list" or "watch" ? null : name;
            if (!account.Allows(verb, group ?? type.Group, type.Plural, subresource, scopeNs, named))
            {
                var full = type.Plural + (subresource is null ? "" : "/" + subresource);
                var where = scopeNs is not null ? $"in the namespace \"{scopeNs}\"" : "at the cluster scope";
                throw new ApiError(HttpStatusCode.Forbidden, "Forbidden",
                    $"{type.Key} is forbidden: User \"{account.User}\" cannot {verb} resource \"{full}\" in API group \"{group ?? type.Group}\" {where}");
            }

            return;
        }

        var resource = type.Plural + (subresource is null or "status" ? "" : "/" + subresource);
        // A request for one namespace by name carries that namespace as its namespace attribute, so a Role in it may grant
        // reading it (apiserver pkg/endpoints/request/requestinfo.go, v1.35: "/namespaces/{namespace}" sets Namespace).
        var scope = type.Namespaced ? ns : type.Plural == "namespaces" ? name : null;
        if (!Allows(verb, resource, scope))
        {
            // The API server's wording (apiserver pkg/endpoints/handlers/responsewriters/errors.go, forbiddenMessage).
            var where = scope is not null ? $"in the namespace \"{scope}\"" : "at the cluster scope";
            throw new ApiError(HttpStatusCode.Forbidden, "Forbidden",
                $"{type.Key} is forbidden: User \"tester\" cannot {verb} resource \"{resource}\" in API group \"{type.Group}\" {where}");
        }
    }

    /// <summary>Validate incoming objects strictly against ../shared/schemas (on by default, as fieldValidation=Strict).</summary>
    public bool ValidateSchemas { get; set; } = true;

    public Uri Url { get; private set; } = new("https://127.0.0.1");

    private readonly TestCertificateAuthority _tls = TestCertificateAuthority.Create();

    /// <summary>The CA that signed the server's certificate (PEM), as the kubeconfig carries it.</summary>
    public string CaPem => _tls.CaPem;

    private ContractApiServer()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        // HTTPS only, as a real API server: client-go never sends a token over plain http (kubernetes/kubectl#744).
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0, l => l.UseHttps(_tls.Serving)));
        _app = builder.Build();
        // KubeVirt's streaming subresources (portforward) are websockets.
        _app.UseWebSockets();
        _app.Run(HandleAsync);
        Simulator = new KubeVirtSimulator(Store);
        Store.Changed += OnCustomResourceDefinition;
    }

    public static async Task<ContractApiServer> StartAsync()
    {
        var server = new ContractApiServer();
        await server._app.StartAsync();
        var address = server._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Url = new Uri(address);
        return server;
    }

    public IReadOnlyList<RecordedRequest> Requests => _requests.ToArray();

    public void ResetRequests()
    {
        _requests.Clear();
        Interlocked.Exchange(ref _requestCount, 0);
    }

    /// <summary>A kubeconfig file for this server (context "contract", namespace <paramref name="ns"/>), as the test user
    /// or, with <paramref name="token"/>, as one of <see cref="ServiceAccounts"/>.</summary>
    public string WriteKubeconfig(string path, string ns = "default", string token = Token)
    {
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: contract
              cluster:
                server: {Url.ToString().TrimEnd('/')}
                certificate-authority-data: {Convert.ToBase64String(Encoding.ASCII.GetBytes(CaPem))}
            users:
            - name: tester
              user:
                token: {token}
            contexts:
            - name: contract
              context:
                cluster: contract
                user: tester
                namespace: {ns}
            current-context: contract
            """);
        return path;
    }

    /// <summary>Puts an object in the store directly, as another client (or a controller) would have.</summary>
    public JsonObject Seed(JsonObject obj, string manager = "seed")
    {
        var type = Types.Single(t => t.ApiVersion == obj["apiVersion"]!.GetValue<string>() && t.Kind == obj["kind"]!.GetValue<string>());
        obj["metadata"]!.AsObject()["generation"] ??= 1L;
        var managers = new Dictionary<string, ManagedEntry>(StringComparer.Ordinal);
        StructuredMerge.Update(null, obj, type, managers, manager, status: false);
        return Store.Commit(type, obj, managers);
    }

    /// <summary>
    /// Puts an object in the store as a server-side apply by <paramref name="manager"/> made it (managedFields operation
    /// Apply), so that manager's next apply of the same object is no conflict with itself.
    /// </summary>
    public JsonObject SeedApplied(JsonObject obj, string manager)
    {
        var type = Types.Single(t => t.ApiVersion == obj["apiVersion"]!.GetValue<string>() && t.Kind == obj["kind"]!.GetValue<string>());
        obj["metadata"]!.AsObject()["generation"] ??= 1L;
        var managers = new Dictionary<string, ManagedEntry>(StringComparer.Ordinal);
        var (applied, _) = StructuredMerge.Apply([], exists: false, obj, type, managers, manager, force: true, status: false);
        // What the API server's admission does to a create (KubeVirt's VM mutator's defaults among it).
        Admission.Admit(type, null, applied!);
        return Store.Commit(type, applied!, managers);
    }

    public async ValueTask DisposeAsync()
    {
        Simulator.Dispose();
        Store.DropWatches();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _tls.Dispose();
    }
}
