using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace KVEdge.Testing.ApiServer;

/// <summary>KubeVirt's VM subresources (start, stop, restart) and SelfSubjectAccessReview.</summary>
public sealed partial class ContractApiServer
{
    // KubeVirt's VM subresources (kubevirt/kubevirt pkg/virt-api/rest/lifecycle.go): a PUT with a body. restart is 202
    // once a stop and a start are queued in status.stateChangeRequests; the old VMI stays, Ready, until the VM controller
    // has shut it down (the simulator, after RestartGrace). It is 409 for runStrategy Halted or Once ("does not support
    // manual restart requests") and for a VM with no VMI ("VM is not running"), and 500 while an earlier request is
    // still queued. Not idempotent: a retried restart restarts twice.
    private async Task VmActionAsync(HttpContext context, string ns, string name, string action)
    {
        if (context.Request.Method != "PUT")
        {
            throw new ApiError(HttpStatusCode.MethodNotAllowed, "MethodNotAllowed", $"{context.Request.Method} is not supported on virtualmachines/{action}");
        }

        Store.Atomically(() =>
        {
            var vm = Store.Read(ResourceType.VirtualMachine, ns, name) ?? throw ApiError.NotFound(ResourceType.VirtualMachine, name);
            if (action == "restart")
            {
                var strategy = vm["spec"]?["runStrategy"]?.GetValue<string>() ?? "Halted";
                if (strategy is "Halted" or "Once")
                {
                    // KubeVirt's own spelling.
                    throw new ApiError(HttpStatusCode.Conflict, "Conflict", $"RunStategy {strategy} does not support manual restart requests");
                }

                if (vm["status"]?["stateChangeRequests"] is JsonArray { Count: > 0 })
                {
                    throw new ApiError(HttpStatusCode.InternalServerError, "InternalError", "Restart VirtualMachine failed: VM stop/start already underway");
                }

                if (Store.Read(ResourceType.VirtualMachineInstance, ns, name) is not { } vmi)
                {
                    throw new ApiError(HttpStatusCode.Conflict, "Conflict", "VM is not running");
                }

                Simulator.QueueRestart(ns, name, vmi["metadata"]!["uid"]!.GetValue<string>());
            }
            else
            {
                Simulator.Restart(ns, name, action);
            }

            return true;
        });
        context.Response.StatusCode = (int)HttpStatusCode.Accepted;
        await context.Response.CompleteAsync();
    }

    private async Task AccessReviewAsync(HttpContext context)
    {
        var body = await ReadBodyAsync(context);
        var attributes = body["spec"]?["resourceAttributes"];
        var key = $"{attributes?["verb"]} {attributes?["resource"]}{(attributes?["subresource"] is { } sub ? "/" + sub : "")}";
        // A Role grants per namespace (https://kubernetes.io/docs/reference/access-authn-authz/rbac/#role-and-clusterrole).
        var ns = attributes?["namespace"]?.GetValue<string>();
        var allowed = Allows(attributes?["verb"]?.GetValue<string>() ?? "", key[(key.IndexOf(' ', StringComparison.Ordinal) + 1)..], string.IsNullOrEmpty(ns) ? null : ns);
        body["status"] = new JsonObject { ["allowed"] = allowed, ["reason"] = allowed ? "contract server allows it" : "denied by the test" };
        await WriteAsync(context, HttpStatusCode.Created, body);
    }
}
