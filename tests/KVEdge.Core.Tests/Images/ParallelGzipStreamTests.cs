using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using KVEdge.Core.Images;
using KVEdge.Testing;

namespace KVEdge.Core.Tests.Images;

public class ParallelGzipStreamTests
{
    private static byte[] Mixed()
    {
        var random = new byte[3 << 20];
        new Random(7).NextBytes(random);
        var text = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("kvedge-converge: packages at their pinned versions\n", 120_000)));
        return [.. random, .. text];
    }

    private static byte[] Gzip(byte[] data, int blockSize)
    {
        using var output = new MemoryStream();
        using (var gzip = new ParallelGzipStream(output, 2, blockSize))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    [Fact]
    public void Random_blocks_are_stored_and_text_blocks_deflated()
    {
        var random = new byte[1 << 20];
        new Random(1).NextBytes(random);
        Assert.True(ParallelGzipStream.LooksIncompressible(random));
        Assert.False(ParallelGzipStream.LooksIncompressible(Encoding.ASCII.GetBytes(new string('a', 1 << 20))));
        Assert.False(ParallelGzipStream.LooksIncompressible(Encoding.ASCII.GetBytes(Convert.ToBase64String(random))));

        var stored = Gzip(random, 1 << 20);
        Assert.InRange(stored.Length, random.Length, random.Length + 512); // stored: the bytes plus block headers
    }

    [Fact]
    public void Huffman_coding_alone_is_chosen_only_where_the_match_search_finds_nothing()
    {
        var random = new byte[1 << 20];
        new Random(3).NextBytes(random);
        var base64 = Encoding.ASCII.GetBytes(Convert.ToBase64String(random));
        var logs = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 40_000).Select(i => $"Nov 24 07:{i % 60:D2}:00 edge-01 kvedge-converge[{i}]: packages at their pinned versions\n")));

        Assert.Equal(0, ParallelGzipStream.ChooseOptions(random, 2).CompressionLevel);
        Assert.Equal(System.IO.Compression.ZLibCompressionStrategy.HuffmanOnly, ParallelGzipStream.ChooseOptions(base64, 2).CompressionStrategy);
        var text = ParallelGzipStream.ChooseOptions(logs, 2);
        Assert.Equal((2, System.IO.Compression.ZLibCompressionStrategy.Default), (text.CompressionLevel, text.CompressionStrategy));
    }

    [Fact]
    public void The_members_decompress_to_the_input_with_dotnet_and_with_gzip()
    {
        var data = Mixed();
        var compressed = Gzip(data, 1 << 20);
        Assert.True(compressed.Length < data.Length);
        Assert.Equal(compressed, Gzip(data, 1 << 20)); // deterministic

        using (var reader = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress))
        using (var back = new MemoryStream())
        {
            reader.CopyTo(back);
            Assert.Equal(SHA256.HashData(data), SHA256.HashData(back.ToArray()));
        }

        var file = Path.Combine(Path.GetTempPath(), $"kvedge-gzip-{Guid.NewGuid():N}.gz");
        File.WriteAllBytes(file, compressed);
        try
        {
            var result = ExternalTool.Run(ExternalTool.Require("gzip", "/usr/bin/gzip", "/bin/gzip"), ["-t", file]);
            Assert.True(result.ExitCode == 0, result.StdErr);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
