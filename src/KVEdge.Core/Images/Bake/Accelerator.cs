using System.Text.RegularExpressions;

namespace KVEdge.Core.Images.Bake;

/// <summary>How qemu runs the bake guest: its -machine accel= value, its -cpu model, and why, in words for the user.</summary>
public sealed record Accelerator(string Accel, string Cpu, string Description)
{
    public static readonly Accelerator Kvm = new("kvm", "host", "KVM");

    public static readonly Accelerator Tcg = new("tcg", "max", "software emulation (TCG)");

    /// <summary>
    /// KVM only when /dev/kvm can be opened and the CPU offers hardware virtualization (vmx or svm). A /dev/kvm alone is
    /// not enough: a paravirtual KVM such as PVM (kvm_pvm) opens fine but cannot run a stock kernel, whose guest then
    /// prints nothing. With KVM chosen there is no silent fall back to TCG, which would run -cpu host badly.
    /// </summary>
    /// <param name="kvmOpens">Whether /dev/kvm exists and opens read-write.</param>
    /// <param name="cpuinfo">The text of /proc/cpuinfo.</param>
    public static Accelerator Choose(AcceleratorChoice choice, bool kvmOpens, string cpuinfo)
    {
        if (choice == AcceleratorChoice.Tcg)
        {
            return Tcg;
        }

        if (choice == AcceleratorChoice.Kvm)
        {
            return Kvm;
        }

        var hardware = Regex.IsMatch(cpuinfo, @"^flags\s*:.*\b(vmx|svm)\b", RegexOptions.Multiline);
        return (kvmOpens, hardware) switch
        {
            (true, true) => Kvm,
            (false, _) => Tcg with { Description = "software emulation (TCG; no usable /dev/kvm)" },
            (true, false) => Tcg with { Description = "software emulation (TCG; /dev/kvm is there, but the CPU offers no vmx or svm, so it is not a KVM that boots a stock kernel)" },
        };
    }

    /// <summary>The choice for this host.</summary>
    public static Accelerator ForHost(AcceleratorChoice choice) =>
        Choose(choice, KvmOpens(), File.Exists("/proc/cpuinfo") ? File.ReadAllText("/proc/cpuinfo") : "");

    private static bool KvmOpens()
    {
        try
        {
            using var device = new FileStream("/dev/kvm", FileMode.Open, FileAccess.ReadWrite);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
