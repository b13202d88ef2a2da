namespace KVEdge.Core.Spec;

public sealed class AgentSpec
{
    /// <summary>edgeAgent image; defaults to mcr.microsoft.com/azureiotedge-agent:MAJOR.MINOR of the version.</summary>
    public string? Image { get; set; }

    /// <summary>on-create or never (images loaded ahead, air-gapped).</summary>
    public string ImagePullPolicy { get; set; } = "on-create";
}
