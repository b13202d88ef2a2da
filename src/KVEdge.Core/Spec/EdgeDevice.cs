
namespace KVEdge.Core.Spec;

/// <summary>
/// The declarative description of one Azure IoT Edge device running as a KubeVirt VM.
/// Shaped like a Kubernetes custom resource so that it can become a CRD unchanged.
/// </summary>
public sealed class EdgeDevice
{
    public const string Group = "kvedge.io";
    public const string Version = "v1alpha1";
    public const string ApiVersionValue = Group + "/" + Version;
    public const string KindValue = "EdgeDevice";

    public string? ApiVersion { get; set; }

    public string? Kind { get; set; }

    public DeviceMetadata Metadata { get; set; } = new();

    public EdgeDeviceSpec Spec { get; set; } = new();

    /// <summary>The guest's hostname: spec.hostname, else the device name.</summary>
    public string VmHostname => Spec.Hostname ?? Metadata.Name ?? "";

    /// <summary>Written by a controller, never read from input.</summary>
    [IgnoredOnInput]
    public EdgeDeviceStatus? Status { get; set; }
}
