using System.Collections.Concurrent;

namespace KVEdge.Core.Rendering.IotEdge;

/// <summary>The guest-side files (converge program, systemd units, Microsoft's repository key), embedded from deploy/helm/aziot-edge-kubevirt/files/guest.</summary>
public static class GuestFiles
{
    public const string Converge = "kvedge-converge.sh";
    public const string Health = "kvedge-health.sh";
    public const string Bootstrap = "kvedge-bootstrap.sh";
    public const string ConvergeUnit = "kvedge-converge.service";
    public const string ApplyUnit = "kvedge-apply.service";
    public const string MicrosoftKey = "microsoft.asc";

    private static readonly ConcurrentDictionary<string, string> Cache = new(StringComparer.Ordinal);

    public static string Read(string name) => Cache.GetOrAdd(name, static n =>
    {
        using var stream = typeof(GuestFiles).Assembly.GetManifestResourceStream("guest/" + n)
            ?? throw new InvalidOperationException($"guest file {n} is not embedded");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });
}
