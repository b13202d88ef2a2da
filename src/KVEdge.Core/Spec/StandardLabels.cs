namespace KVEdge.Core.Spec;

/// <summary>The labels on every rendered object, so that a device's objects can be found and pruned by selector.</summary>
public static class StandardLabels
{
    public const string Name = "app.kubernetes.io/name";
    public const string Instance = "app.kubernetes.io/instance";
    public const string ManagedBy = "app.kubernetes.io/managed-by";
    public const string PartOf = "app.kubernetes.io/part-of";
    public const string Device = "kvedge.io/device";
    public const string Role = "kvedge.io/role";

    public const string AppName = "aziot-edge";
    public const string Manager = "kvedge";

    public static bool IsReserved(string key) =>
        key is Name or Instance or ManagedBy or PartOf || key.StartsWith("kvedge.io/", StringComparison.Ordinal);

    public static SortedDictionary<string, string> For(string device, string role, IDictionary<string, string> userLabels)
    {
        var labels = new SortedDictionary<string, string>(userLabels, StringComparer.Ordinal)
        {
            [Name] = AppName,
            [Instance] = device,
            [ManagedBy] = Manager,
            [PartOf] = Manager,
            [Device] = device,
            [Role] = role,
        };
        return labels;
    }

    /// <summary>
    /// The label selector that finds kvedge devices (one, or all with <paramref name="device"/> null), whoever installed
    /// them: part-of and the device label, never managed-by, which `helm install` overwrites with "Helm"
    /// (helm/helm pkg/action/install.go, setMetadataVisitor).
    /// </summary>
    public static string DeviceSelector(string? device) =>
        $"{PartOf}={Manager},{Device}" + (device is null ? "" : $"={device}");

    /// <summary>The device an object belongs to, by its device label (null when it has none).</summary>
    public static string? DeviceOf(System.Text.Json.Nodes.JsonObject obj) => obj["metadata"]?["labels"]?[Device]?.GetValue<string>();

    /// <summary>The one label the Service selects on; it sits on the VM template, so the virt-launcher pod carries it.</summary>
    public static SortedDictionary<string, string> Selector(string device) =>
        new(StringComparer.Ordinal) { [Device] = device };
}
