namespace KVEdge.Core.Spec;

/// <summary>
/// The fleet's base deployment: one IoT Hub automatic deployment holding edgeAgent and edgeHub (edgeHub's store on the
/// data disk), targeting the devices by the twin tags kvedge sets. The user's own modules go in layered deployments of a
/// higher priority.
/// </summary>
public sealed class BaseDeploymentSpec
{
    /// <summary>false: the user manages the base deployment; kvedge sets no tags and no deployment.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The deployment's priority; a layered deployment needs a higher one.</summary>
    public int Priority { get; set; } = 10;

    /// <summary>The fleet's name in the twin tag and the deployment's id; defaults to the device's namespace.</summary>
    public string? Fleet { get; set; }
}
