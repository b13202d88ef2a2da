namespace KVEdge.Core.Spec;

public sealed class FirmwareSpec
{
    /// <summary>Fixed SMBIOS UUID, which KubeVirt hands to cloud-init as instance-id; derived from namespace/name when unset.</summary>
    public string? Uuid { get; set; }

    /// <summary>bios or efi.</summary>
    public string Bootloader { get; set; } = "bios";

    /// <summary>UEFI secure boot (efi only); turns on SMM as KubeVirt requires.</summary>
    public bool SecureBoot { get; set; }
}
