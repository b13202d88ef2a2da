namespace KVEdge.Core.Validation;

public sealed record AdmissionViolation(string Target, string Path, string Message);
