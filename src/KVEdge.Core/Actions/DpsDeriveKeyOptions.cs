namespace KVEdge.Core.Actions;

/// <summary>The group key (never echoed in a message) and the registration id it is derived for.</summary>
public sealed record DpsDeriveKeyOptions(string GroupKey, string RegistrationId);
