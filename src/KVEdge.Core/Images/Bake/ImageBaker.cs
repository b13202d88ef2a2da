using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using k8s.Models;
using KVEdge.Core.Kube;
using KVEdge.Core.Rendering;

namespace KVEdge.Core.Images.Bake;

/// <summary>
/// `kvedge image bake`: boots the base image once in a local qemu, with the device's config disk (its repository and
/// pinned versions, no credentials) and a bake user-data; the converge program installs the pinned IoT Edge packages and
/// nothing device-specific, the guest cleans up and powers off, and the disk is flattened and compressed into a new
/// qcow2 ready for <see cref="ContainerDiskBuilder"/>. KVM is used when the host really has it (<see cref="Accelerator"/>),
/// software emulation otherwise.
/// The guest reaches the package repository through qemu's user-mode NAT (the host itself is 10.0.2.2).
/// </summary>
public sealed class ImageBaker(ExternalTools tools, TextWriter log)
{
    public BakeResult Bake(RenderedDevice device, BakeOptions options, Action<string>? status = null)
    {
        Directory.CreateDirectory(options.WorkDir);
        var work = Path.GetFullPath(options.WorkDir);
        var overlay = Path.Combine(work, "bake-overlay.qcow2");
        var baked = Path.Combine(work, "baked.qcow2");
        var serial = Path.Combine(work, "bake-serial.log");
        foreach (var stale in new[] { overlay, baked, serial })
        {
            File.Delete(stale);
        }

        status?.Invoke($"creating an overlay on {options.BaseImage}");
        ExternalTools.Run(tools.QemuImg, ["create", "-q", "-f", "qcow2", "-b", Path.GetFullPath(options.BaseImage), "-F", DiskFormat(options.BaseImage), overlay], log);

        var configMap = device.Objects.OfType<V1ConfigMap>().SingleOrDefault()
            ?? throw new BakeException($"device {device.Key} has no spec.iotEdge: there is nothing to bake");
        var seedIso = Iso(Path.Combine(work, "seed"), "cidata", new Dictionary<string, string>
        {
            ["user-data"] = BakeUserData.Render(),
            ["meta-data"] = BakeUserData.MetaData(Id(device)),
        });
        var configIso = Iso(Path.Combine(work, "config"), "cfgdata", configMap.Data.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal));

        var accel = options.Accel;
        List<string> args =
        [
            "-machine", $"q35,accel={accel.Accel}", "-cpu", accel.Cpu,
            "-smp", options.Cpus.ToString(CultureInfo.InvariantCulture), "-m", options.MemoryMiB.ToString(CultureInfo.InvariantCulture),
            "-no-reboot", "-display", "none", "-monitor", "none", "-serial", $"file:{serial}",
            "-drive", $"file={overlay},if=none,id=root,format=qcow2,discard=unmap", "-device", "virtio-blk-pci,drive=root,bootindex=1",
            "-drive", $"file={seedIso},if=none,id=seed,format=raw,readonly=on", "-device", "virtio-blk-pci,drive=seed",
            "-drive", $"file={configIso},if=none,id=config,format=raw,readonly=on", "-device", $"virtio-blk-pci,drive=config,serial={DiskSerials.Config}",
            "-netdev", "user,id=net0", "-device", "virtio-net-pci,netdev=net0", "-device", "virtio-rng-pci",
        ];
        if (options.Kernel is not null)
        {
            args.AddRange(["-kernel", options.Kernel]);
            if (options.Initrd is not null)
            {
                args.AddRange(["-initrd", options.Initrd]);
            }

            args.AddRange(["-append", options.KernelArgs ?? "root=LABEL=root rw console=ttyS0"]);
        }

        status?.Invoke($"booting the base image to install the pinned IoT Edge packages ({accel.Description}{(accel == Accelerator.Kvm ? "" : "; this takes minutes")})");
        var started = Stopwatch.StartNew();
        RunGuest(args, serial, options, accel);
        var serialText = File.Exists(serial) ? File.ReadAllText(serial) : "";
        if (!serialText.Contains(BakeUserData.Succeeded, StringComparison.Ordinal))
        {
            var tail = string.Join(" | ", serialText.Split('\n').Select(l => l.Trim()).Where(l => l.Contains("kvedge-converge", StringComparison.Ordinal)).TakeLast(3));
            throw new BakeException(serialText.Contains(BakeUserData.Failed, StringComparison.Ordinal)
                ? $"the bake failed in the guest: {tail} (serial console: {serial})"
                : $"the guest powered off without finishing the bake (serial console: {serial})");
        }

        var bootTime = started.Elapsed;
        status?.Invoke("compacting the disk");
        ExternalTools.Run(tools.QemuImg, ["convert", "-q", "-c", "-O", "qcow2", overlay, baked], log);
        File.Delete(overlay);
        return new BakeResult(baked, bootTime);
    }

    private void RunGuest(List<string> args, string serial, BakeOptions options, Accelerator accel)
    {
        var start = new ProcessStartInfo(tools.Qemu) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        args.ForEach(start.ArgumentList.Add);
        using var qemu = Process.Start(start) ?? throw new BakeException("qemu-system-x86_64 did not start");
        var stderr = qemu.StandardError.ReadToEndAsync();
        _ = qemu.StandardOutput.ReadToEndAsync();
        var clock = Stopwatch.StartNew();
        while (!qemu.WaitForExit(TimeSpan.FromMilliseconds(500)))
        {
            if (clock.Elapsed >= options.Timeout)
            {
                qemu.Kill(entireProcessTree: true);
                throw new BakeException($"the bake did not finish within {GoDuration.Format(options.Timeout)} (serial console: {serial})");
            }

            // A kernel booted with console=ttyS0 speaks within seconds; silence means it never started (a wrong
            // accelerator, a disk that does not boot), and waiting out the whole timeout would tell nothing more.
            if (clock.Elapsed >= options.Silence && (!File.Exists(serial) || new FileInfo(serial).Length == 0))
            {
                qemu.Kill(entireProcessTree: true);
                throw new BakeException($"the guest printed nothing on its serial console in {GoDuration.Format(options.Silence)} ({accel.Description}): "
                    + (accel == Accelerator.Kvm ? "try --accel tcg, or " : "") + "check that the base image boots with its console on ttyS0 (--kernel/--append for one without a boot loader)");
            }
        }

        log.Write(stderr.Result);
        if (qemu.ExitCode != 0)
        {
            throw new BakeException($"qemu failed (exit {qemu.ExitCode}): {stderr.Result.Trim().Split('\n').LastOrDefault()}");
        }
    }

    private string Iso(string folder, string label, IReadOnlyDictionary<string, string> files)
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        Directory.CreateDirectory(folder);
        foreach (var (name, content) in files)
        {
            File.WriteAllText(Path.Combine(folder, name), content, new UTF8Encoding(false));
        }

        var iso = folder + ".iso";
        File.Delete(iso);
        ExternalTools.Run(tools.IsoMaker, ["-quiet", "-output", iso, "-volid", label, "-joliet", "-rock", folder], log);
        return iso;
    }

    private static string DiskFormat(string path)
    {
        var probed = DiskImage.Probe(path, out var error) ?? throw new BakeException(error ?? $"{path} is not a disk image");
        return probed.Format;
    }

    private static string Id(RenderedDevice device) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(device.Key)))[..12];
}
