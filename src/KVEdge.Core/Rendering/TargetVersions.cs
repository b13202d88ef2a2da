namespace KVEdge.Core.Rendering;

/// <summary>
/// The versions kvedge renders for and is tested against: the KubeVirt, CDI and Kubernetes schemas its objects are
/// validated with (../shared/schemas; a test checks these folders exist), and the IoT Edge release a spec gets when it
/// names none.
/// </summary>
public static class TargetVersions
{
    public const string KubeVirt = "v1.9.0";
    public const string Cdi = "v1.66.0";
    public const string Kubernetes = "v1.35";
}
