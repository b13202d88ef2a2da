using KVEdge.Core.Images.Bake;

namespace KVEdge.Core.Tests.Images.Bake;

public sealed class AcceleratorTests
{
    // Trimmed /proc/cpuinfo of a host with VT-x, and of a VM whose host hides it (as this project's machines do).
    private const string WithVmx = "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu vme de pse tsc msr pae mce cx8 apic vmx smx est tm2 ssse3\n";
    private const string WithSvm = "processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu vme de pse tsc msr pae svm extapic cr8_legacy\n";
    private const string NoVirtualization = "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu vme de pse tsc msr pae mce cx8 apic hypervisor ssse3\nvmx flags\t: (none listed)\n";

    [Theory]
    [InlineData(true, WithVmx, "kvm", "host")]
    [InlineData(true, WithSvm, "kvm", "host")]
    [InlineData(false, WithVmx, "tcg", "max")]
    [InlineData(true, NoVirtualization, "tcg", "max")]
    [InlineData(false, "", "tcg", "max")]
    public void Auto_uses_KVM_only_where_it_can_boot_a_stock_kernel(bool kvmOpens, string cpuinfo, string accel, string cpu)
    {
        var chosen = Accelerator.Choose(AcceleratorChoice.Auto, kvmOpens, cpuinfo);
        Assert.Equal((accel, cpu), (chosen.Accel, chosen.Cpu));
    }

    [Fact]
    public void A_dev_kvm_without_hardware_virtualization_is_named_as_the_reason()
    {
        var chosen = Accelerator.Choose(AcceleratorChoice.Auto, kvmOpens: true, NoVirtualization);
        Assert.Equal("software emulation (TCG; /dev/kvm is there, but the CPU offers no vmx or svm, so it is not a KVM that boots a stock kernel)", chosen.Description);
    }

    [Fact]
    public void An_explicit_choice_wins()
    {
        Assert.Equal(Accelerator.Tcg, Accelerator.Choose(AcceleratorChoice.Tcg, kvmOpens: true, WithVmx));
        Assert.Equal(Accelerator.Kvm, Accelerator.Choose(AcceleratorChoice.Kvm, kvmOpens: false, NoVirtualization));
    }
}
