namespace KVEdge.Core.Spec;

/// <summary>The kvedge.io/role label's values: what each of a device's objects is (the CLI and --wait find objects by it).</summary>
public static class Roles
{
    public const string CloudInit = "cloud-init";
    public const string RootDisk = "root-disk";
    public const string DataDisk = "data-disk";
    public const string VirtualMachine = "vm";
    public const string Service = "service";
    public const string Config = "config";
    public const string Credentials = "credentials";
}
