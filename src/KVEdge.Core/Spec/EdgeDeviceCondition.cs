namespace KVEdge.Core.Spec;

/// <summary>
/// One condition of an EdgeDevice, shaped as metav1.Condition (apimachinery v0.36.3 pkg/apis/meta/v1/types.go): type,
/// status True/False/Unknown, a CamelCase reason, a message for a person, the generation it was set for and when its
/// status last changed.
/// </summary>
public sealed class EdgeDeviceCondition
{
    public const string Ready = "Ready";
    public const string Reconciling = "Reconciling";
    public const string Stalled = "Stalled";

    /// <summary>The reason pattern metav1.Condition requires.</summary>
    public const string ReasonPattern = "^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?\\z";

    public string Type { get; set; } = "";

    public string Status { get; set; } = "Unknown";

    public long? ObservedGeneration { get; set; }

    public string LastTransitionTime { get; set; } = "";

    public string Reason { get; set; } = "";

    public string Message { get; set; } = "";
}
