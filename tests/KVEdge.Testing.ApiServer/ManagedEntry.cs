namespace KVEdge.Testing.ApiServer;

/// <summary>What server-side apply remembers per object: each manager's operation and owned field paths. An Apply and
/// an Update by the same manager are two entries, as in the API server's managedFields, and so are its writes to the
/// main resource and to the status subresource (apimachinery v0.36.3 pkg/apis/meta/v1/types.go, ManagedFieldsEntry's
/// subresource: "fields of the main resource and of a subresource are tracked in separate entries").</summary>
public sealed class ManagedEntry(string manager, string operation, HashSet<string> fields, string subresource = "")
{
    public string Manager { get; } = manager;

    public string Operation { get; } = operation;

    public HashSet<string> Fields { get; } = fields;

    /// <summary>"status" for the status subresource's entry; empty for the main resource's.</summary>
    public string Subresource { get; } = subresource;

    public string Key => KeyOf(Manager, Operation, Subresource);

    /// <summary>The key of an entry in a managers dictionary.</summary>
    public static string KeyOf(string manager, string operation, string subresource = "") => manager + "\u0000" + operation + "\u0000" + subresource;

    public ManagedEntry Copy() => new(Manager, Operation, [.. Fields], Subresource);
}
