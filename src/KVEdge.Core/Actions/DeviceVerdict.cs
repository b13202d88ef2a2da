namespace KVEdge.Core.Actions;

/// <summary>One device's verdict: NAMESPACE/NAME, where it was read, and how many errors and warnings it has.</summary>
public sealed record DeviceVerdict(string Device, string Source, int Errors, int Warnings);
