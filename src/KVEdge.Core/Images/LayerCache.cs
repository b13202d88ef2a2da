using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace KVEdge.Core.Images;

/// <summary>
/// Remembers which layer a disk file became (keyed by its path, size and modification time, as make does, and by the
/// layer format), so an unchanged re-push can ask the registry for that digest without reading and compressing the
/// disk again. A stale or missing entry only costs a rebuild; the registry has the last word on what it holds.
/// </summary>
public sealed class LayerCache(string directory)
{
    /// <summary>Changes whenever the bytes a disk turns into could change (tar layout, gzip level, block size, the stored-block rule).</summary>
    public const string FormatVersion = "tar-107-0444/gzip-2/4MiB/stored-above-7.9bits/huffman-only-within-2pc/v2";

    public CachedLayer? Find(DiskImage disk)
    {
        var path = EntryPath(disk);
        try
        {
            if (!File.Exists(path) || JsonNode.Parse(File.ReadAllText(path)) is not JsonObject entry)
            {
                return null;
            }

            return new CachedLayer(entry["digest"]!.GetValue<string>(), entry["size"]!.GetValue<long>(), entry["diffId"]!.GetValue<string>());
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Text.Json.JsonException or InvalidOperationException or NullReferenceException)
        {
            return null; // a damaged entry is a miss
        }
    }

    public void Remember(DiskImage disk, ContainerDisk image)
    {
        try
        {
            Directory.CreateDirectory(directory);
            var entry = new JsonObject { ["digest"] = image.Layer.Digest, ["size"] = image.Layer.Size, ["diffId"] = image.DiffId };
            var path = EntryPath(disk);
            File.WriteAllText(path + ".tmp", entry.ToJsonString());
            File.Move(path + ".tmp", path, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A read-only home only loses the shortcut.
        }
    }

    private string EntryPath(DiskImage disk)
    {
        var info = new FileInfo(disk.Path);
        var key = $"{FormatVersion}\n{info.FullName}\n{info.Length}\n{info.LastWriteTimeUtc.Ticks}\n{disk.Format}";
        return Path.Combine(directory, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key))) + ".json");
    }
}
