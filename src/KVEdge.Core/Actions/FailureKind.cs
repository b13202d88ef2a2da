namespace KVEdge.Core.Actions;

/// <summary>Why an action did not do what it was asked; the CLI maps each kind to one exit code, in one place.</summary>
public enum FailureKind
{
    /// <summary>Something failed that is not the input's fault.</summary>
    Failed,

    /// <summary>The input is invalid; nothing was written or applied.</summary>
    InvalidInput,

    /// <summary>What the action is about is not in the cluster.</summary>
    NotFound,

    /// <summary>The cluster (KubeVirt, the API server) answered that it will not do it now.</summary>
    Refused,
}
