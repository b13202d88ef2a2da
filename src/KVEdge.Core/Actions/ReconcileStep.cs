namespace KVEdge.Core.Actions;

/// <summary>What a reconcile (or one of its phases) came to.</summary>
public enum ReconcileStep
{
    /// <summary>A phase is done and the next may run (never returned by <see cref="DeviceReconciler.ReconcileAsync"/>).</summary>
    Continue,

    Done,

    Requeue,

    /// <summary>The scope's <see cref="DeviceScope.Failure"/> says why.</summary>
    Stopped,
}
