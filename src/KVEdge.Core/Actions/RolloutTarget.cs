namespace KVEdge.Core.Actions;

/// <summary>A device a rollout may restart. <paramref name="ChangedNow"/>: the apply just now found a change that needs a restart.</summary>
public sealed record RolloutTarget(string Namespace, string Name, bool ChangedNow = false);
