namespace KVEdge.Core.Spec;

/// <summary>Annotations kvedge puts on a device's objects for its own verbs to read back, instead of parsing its outputs.</summary>
public static class DeviceAnnotations
{
    /// <summary>On the VirtualMachine: the spec's ssh.user, the login `kvedge ssh` uses (cloud-init's first user).</summary>
    public const string SshUser = "kvedge.io/ssh-user";
}
