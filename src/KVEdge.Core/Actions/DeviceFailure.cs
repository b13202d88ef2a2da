namespace KVEdge.Core.Actions;

/// <summary>
/// What stopped a device's reconcile: a CamelCase reason (KubeVirt's docs/conditions.md asks that of a condition's
/// reason; the operator's Stalled condition carries it) and a message for a person, which never holds a credential.
/// </summary>
public sealed record DeviceFailure(string Reason, string Message)
{
    /// <summary>upgrade of a device whose VirtualMachine is not there.</summary>
    public const string NotInstalled = "NotInstalled";

    /// <summary>Server-side apply found fields another field manager owns.</summary>
    public const string FieldConflict = "FieldConflict";

    /// <summary>virt-api owns spec.runStrategy: the VM was stopped or started through KubeVirt (virtctl).</summary>
    public const string ManagedByKubeVirt = "ManagedByKubeVirt";

    /// <summary>The kvedge operator runs the device (an EdgeDevice owns its VM): the CLI leaves it to it.</summary>
    public const string ManagedByOperator = "ManagedByOperator";

    /// <summary>An object the device needs is still being deleted after the wait allowed.</summary>
    public const string BeingDeleted = "BeingDeleted";

    /// <summary>The API server did not answer.</summary>
    public const string ClusterUnavailable = "ClusterUnavailable";

    /// <summary>Cancelled (Ctrl-C, shutdown) while it was being applied.</summary>
    public const string Interrupted = "Interrupted";

    /// <summary>Applied, but KubeVirt refused the restart the change needs.</summary>
    public const string RestartRefused = "RestartRefused";

    /// <summary>The API server refused a request (its status says why).</summary>
    public const string ApiError = "ApiError";
}
