namespace KVEdge.Core.Spec;

/// <summary>Marks a field accepted in input but never read (a CRD's <c>status</c>).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class IgnoredOnInputAttribute : Attribute;
