namespace KVEdge.Core.Spec;

/// <summary>
/// The spec's vocabulary: the values and patterns a field may take, in one place below both the validator
/// (Validation/DeviceValidator.cs) and the schemas made from the spec (SpecConstraints, the CRD, values.schema.json),
/// so the rules and the schemas cannot differ, and the spec needs nothing from the validator.
/// </summary>
public static class SpecVocabulary
{
    public static readonly string[] RunStrategies = ["Always", "Halted", "Manual", "RerunOnFailure", "Once"];
    public static readonly string[] EvictionStrategies = ["None", "LiveMigrate", "LiveMigrateIfPossible", "External"];
    public static readonly string[] AccessModes = ["ReadWriteOnce", "ReadWriteMany", "ReadOnlyMany", "ReadWriteOncePod"];
    public static readonly string[] VolumeModes = ["Filesystem", "Block"];
    public static readonly string[] ServiceTypes = ExposeTypes.All;

    /// <summary>The pattern, shared with the chart's values.schema.json.</summary>
    public const string LinuxUserPattern = "^[a-z_][a-z0-9_-]{0,31}\\z";

    /// <summary>The pattern, shared with the chart's values.schema.json.</summary>
    public const string ImageReferencePattern = "^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[0-9a-f]{64})?\\z";

    /// <summary>The pattern, shared with the chart's values.schema.json.</summary>
    public const string ChecksumPattern = "^(md5:[0-9a-f]{32}|sha1:[0-9a-f]{40}|sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})\\z";

    /// <summary>
    /// The data disk's mount point, which lands in /etc/fstab, docker's RequiresMountsFor= and daemon.json, the
    /// converge program's shell and config.toml's bind: absolute, normalised (no "." or ".." segment, no "//", no
    /// trailing "/"), and only letters, digits, '.', '_' and '-', so nothing in it needs escaping in any of them.
    /// </summary>
    public const string MountPathPattern = "^(/[A-Za-z0-9_][A-Za-z0-9._-]{0,62}){1,8}\\z";

    /// <summary>
    /// Folders the data disk must not be mounted on or under: the system's own (a mount would hide them), the
    /// runtime's state that the converge program binds onto the disk, and parents of those.
    /// </summary>
    public const string SystemFolderPattern =
        "^/(bin|boot|dev|etc|lib|lib32|lib64|libx32|proc|run|sbin|snap|sys|tmp|usr|root|var/(run|lock|tmp|cache|log|spool|lib/(aziot|docker|containerd|dpkg|apt|cloud|kvedge|systemd|iotedge)))(/.*)?\\z"
        + "|^/(var|var/lib|home|opt|srv|mnt|media)\\z";

    /// <summary>
    /// A URL with user:password@ (or a token@) before its host: that URL is written into objects readable far more
    /// widely than a Secret (the DataVolume, the ConfigMap), so it is refused; CDI reads a root disk's credentials
    /// from rootDisk.http.secretRef.
    /// </summary>
    public const string UrlUserinfoPattern = "^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*@";

    public static readonly IReadOnlySet<string> SystemUsers = new HashSet<string>(StringComparer.Ordinal)
    {
        "root", "daemon", "bin", "sys", "sync", "games", "man", "lp", "mail", "news", "uucp", "proxy",
        "www-data", "backup", "list", "irc", "nobody", "systemd-network", "systemd-resolve", "messagebus",
        "sshd", "syslog", "iotedge", "aziotid", "aziotcs", "aziotks", "aziottpm", "edgeagentuser", "edgehubuser",
    };

    /// <summary>The SSH public key types the guest's sshd accepts.</summary>
    public static readonly IReadOnlyList<string> SshKeyTypes = ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa"];
}
