namespace KVEdge.Core.Spec;

/// <summary>Marks a field whose value must never be echoed in a message, log or exception.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class CredentialAttribute : Attribute;
