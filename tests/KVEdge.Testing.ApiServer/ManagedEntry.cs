namespace KVEdge.Testing.ApiServer;

/// <summary>What server-side apply remembers per object: each manager's operation and owned field paths. An Apply and
/// an Update by the same manager are two entries, as in the API server's managedFields.</summary>
public sealed class ManagedEntry(string manager, string operation, HashSet<string> fields)
{
    public string Manager { get; } = manager;

    public string Operation { get; } = operation;

    public HashSet<string> Fields { get; } = fields;

    public string Key => KeyOf(Manager, Operation);

    /// <summary>The key of an entry in a managers dictionary.</summary>
    public static string KeyOf(string manager, string operation) => manager + "\u0000" + operation;

    public ManagedEntry Copy() => new(Manager, Operation, [.. Fields]);
}
