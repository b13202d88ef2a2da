using KVEdge.Core.Kube;

namespace KVEdge.Core.Actions;

/// <summary>Progress a person wants to see while install runs (the CLI draws it; tests record it).</summary>
public interface IInstallReporter
{
    void Applied(Change change);

    void Waiting(string device, string what);

    /// <summary>--wait: the device reached <paramref name="stage"/>; <paramref name="what"/> says what it now waits for.</summary>
    void Stage(string device, WaitStage stage, string what);

    void ImportProgress(string device, string dataVolume, string progress);

    /// <summary>Something the user should know while kvedge goes on waiting (or stops waiting for good reason).</summary>
    void Warning(string device, string message);
}
