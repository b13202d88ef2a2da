namespace KVEdge.Core.Actions;

/// <summary>
/// A device's symmetric key on its way to the credentials Secret. Its text is had only through <see cref="Reveal"/>, so
/// a record, a log line or an exception that prints it shows nothing.
/// </summary>
public sealed class DeviceKey(string value)
{
    public string Reveal() => value;

    public override string ToString() => "(device key)";
}
