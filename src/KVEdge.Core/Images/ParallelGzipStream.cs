using System.Buffers;
using System.IO.Compression;

namespace KVEdge.Core.Images;

/// <summary>
/// gzip on every core: the input is cut into fixed-size blocks, each compressed as its own gzip member, and the members
/// are written in order. A sequence of members is one valid gzip stream (RFC 1952 §2.2; Go's reader, which container
/// runtimes use, reads them by default). Fixed block size and level keep the output identical run to run.
/// A block whose bytes look random (already-compressed qcow2 clusters, encrypted data) is stored rather than deflated,
/// and one where the match search finds nothing is Huffman-coded only (<see cref="ChooseOptions"/>): both cost most of
/// the CPU and save nothing. The choice depends only on the block, so it is deterministic too.
/// </summary>
public sealed class ParallelGzipStream(Stream inner, int level, int blockSize = ParallelGzipStream.DefaultBlockSize)
    : BlockWriteStream(blockSize, Buffers)
{
    public const int DefaultBlockSize = 4 << 20;

    // Blocks and members are pooled: a fresh 4 MiB array per block costs more in page faults and GC than deflate does.
    private static readonly ArrayPool<byte> Buffers = ArrayPool<byte>.Create(maxArrayLength: 32 << 20, maxArraysPerBucket: 4 * Environment.ProcessorCount + 4);

    private readonly Queue<Task<(byte[] Buffer, int Length)>> _pending = new();
    private readonly int _parallelism = Math.Max(1, Environment.ProcessorCount);
    private bool _finished;

    /// <summary>Compresses what is left and writes every member; call once, at the end.</summary>
    public void Finish()
    {
        if (_finished)
        {
            return;
        }

        _finished = true;
        SubmitBlock(evenIfEmpty: _pending.Count == 0); // an empty input still makes one (empty) gzip member

        while (_pending.Count > 0)
        {
            WriteOldest();
        }

        inner.Flush();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Finish();
        }

        base.Dispose(disposing);
    }

    // Members are only complete at block boundaries, so Flush (inherited) writes nothing; Finish writes the rest.
    protected override void OnBlock(byte[] block, int length)
    {
        _pending.Enqueue(Task.Run(() => Compress(block, length, level)));
        while (_pending.Count > _parallelism)
        {
            WriteOldest();
        }
    }

    private void WriteOldest()
    {
        var (buffer, length) = _pending.Dequeue().GetAwaiter().GetResult();
        inner.Write(buffer, 0, length);
        Buffers.Return(buffer);
    }

    /// <summary>Above this many bits per byte (Shannon entropy of a sample), deflate cannot win enough to pay for itself.</summary>
    public const double IncompressibleBitsPerByte = 7.9;

    private const int SampleSize = 64 << 10;

    public static bool LooksIncompressible(ReadOnlySpan<byte> block)
    {
        var sample = block[..Math.Min(block.Length, SampleSize)];
        if (sample.Length < 4096)
        {
            return false;
        }

        Span<int> counts = stackalloc int[256];
        foreach (var b in sample)
        {
            counts[b]++;
        }

        double entropy = 0;
        foreach (var c in counts)
        {
            if (c > 0)
            {
                var p = (double)c / sample.Length;
                entropy -= p * Math.Log2(p);
            }
        }

        return entropy > IncompressibleBitsPerByte;
    }

    /// <summary>
    /// How to deflate a block, decided from its first 64 KiB: stored when it looks random; Huffman coding alone when the
    /// match search finds nothing worth its cost there (within 2 %: random-looking text, base64); otherwise the level.
    /// </summary>
    public static ZLibCompressionOptions ChooseOptions(ReadOnlySpan<byte> block, int level)
    {
        if (LooksIncompressible(block))
        {
            return new ZLibCompressionOptions { CompressionLevel = 0 };
        }

        var sample = block[..Math.Min(block.Length, SampleSize)];
        var matched = DeflatedSize(sample, new ZLibCompressionOptions { CompressionLevel = level });
        var huffman = DeflatedSize(sample, new ZLibCompressionOptions { CompressionLevel = level, CompressionStrategy = ZLibCompressionStrategy.HuffmanOnly });
        return huffman <= matched * 1.02
            ? new ZLibCompressionOptions { CompressionLevel = level, CompressionStrategy = ZLibCompressionStrategy.HuffmanOnly }
            : new ZLibCompressionOptions { CompressionLevel = level };
    }

    private static long DeflatedSize(ReadOnlySpan<byte> sample, ZLibCompressionOptions options)
    {
        var output = Buffers.Rent(sample.Length + (sample.Length / 64) + 1024);
        try
        {
            using var stream = new MemoryStream(output, 0, output.Length, writable: true, publiclyVisible: true);
            using (var deflate = new DeflateStream(stream, options, leaveOpen: true))
            {
                deflate.Write(sample);
            }

            return stream.Position;
        }
        finally
        {
            Buffers.Return(output);
        }
    }

    private static (byte[] Buffer, int Length) Compress(byte[] block, int length, int level)
    {
        try
        {
            var options = ChooseOptions(block.AsSpan(0, length), level);
            // Deflate never emits more than the input plus stored-block headers (5 bytes per 64 KiB) and gzip's 18.
            var output = Buffers.Rent(length + (length / 64) + 1024);
            using var stream = new MemoryStream(output, 0, output.Length, writable: true, publiclyVisible: true);
            using (var gzip = new GZipStream(stream, options, leaveOpen: true))
            {
                gzip.Write(block, 0, length);
            }

            return (output, (int)stream.Position);
        }
        finally
        {
            Buffers.Return(block);
        }
    }
}
