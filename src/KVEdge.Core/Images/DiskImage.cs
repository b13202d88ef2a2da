using System.Text;

namespace KVEdge.Core.Images;

/// <summary>A VM disk file KubeVirt can boot from a containerDisk: qcow2 or raw.</summary>
public sealed record DiskImage(string Path, string Format, long Size)
{
    /// <summary>
    /// Recognises the disk by its own header: the qcow2 magic, or for raw an MBR boot signature or a GPT header.
    /// Anything else (a text file, a vmdk, a truncated download) is refused before any layer is written.
    /// </summary>
    public static DiskImage? Probe(string path, out string? error)
    {
        error = null;
        // A FIFO or a device would block the read below (or be read forever): only a regular file, or a link to one, is a disk.
        var kind = Files.PathKinds.OfTarget(path);

        if (kind is Files.PathKind.Missing)
        {
            error = $"{path}: no such file";
            return null;
        }

        if (kind is not Files.PathKind.RegularFile)
        {
            error = $"{path} is {Files.PathKinds.Describe(kind)}, not a disk image file";
            return null;
        }

        var size = new FileInfo(path).Length;
        var header = new byte[1024];
        int read;
        using (var f = File.OpenRead(path))
        {
            read = f.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        }

        if (read >= 8 && header[0] == 'Q' && header[1] == 'F' && header[2] == 'I' && header[3] == 0xFB)
        {
            var version = (header[4] << 24) | (header[5] << 16) | (header[6] << 8) | header[7];
            if (version is not (2 or 3))
            {
                error = $"{path}: qcow2 version {version} is not one QEMU reads (2 or 3)";
                return null;
            }

            return new DiskImage(path, "qcow2", size);
        }

        var mbr = read >= 512 && header[510] == 0x55 && header[511] == 0xAA;
        var gpt = read >= 520 && Encoding.ASCII.GetString(header, 512, 8) == "EFI PART";
        if ((mbr || gpt) && size % 512 == 0)
        {
            return new DiskImage(path, "raw", size);
        }

        error = $"{path}: not a disk image (no qcow2 header, no MBR or GPT partition table); convert it with qemu-img convert -O qcow2";
        return null;
    }

    /// <summary>The file name inside /disk/ (any name works for KubeVirt; the extension tells people what it is).</summary>
    public string FileName => Format == "qcow2" ? "disk.qcow2" : "disk.img";
}
