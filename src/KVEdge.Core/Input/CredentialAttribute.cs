namespace KVEdge.Core.Input;

/// <summary>Marks a field whose value must never be echoed in a message, log or exception.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class CredentialAttribute : Attribute;
