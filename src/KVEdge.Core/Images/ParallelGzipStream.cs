using System.IO.Compression;

namespace KVEdge.Core.Images;

/// <summary>
/// gzip on every core: the input is cut into fixed-size blocks, each compressed as its own gzip member, and the members
/// are written in order. A sequence of members is one valid gzip stream (RFC 1952 §2.2; Go's reader, which container
/// runtimes use, reads them by default). Fixed block size and level keep the output identical run to run.
/// </summary>
public sealed class ParallelGzipStream(Stream inner, int level, int blockSize = ParallelGzipStream.DefaultBlockSize) : Stream
{
    public const int DefaultBlockSize = 4 << 20;

    private readonly Queue<Task<byte[]>> _pending = new();
    private readonly int _parallelism = Math.Max(1, Environment.ProcessorCount);
    private byte[] _block = new byte[blockSize];
    private int _filled;
    private bool _finished;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (buffer.Length > 0)
        {
            var n = Math.Min(buffer.Length, _block.Length - _filled);
            buffer[..n].CopyTo(_block.AsSpan(_filled));
            _filled += n;
            buffer = buffer[n..];
            if (_filled == _block.Length)
            {
                Submit();
            }
        }
    }

    /// <summary>Compresses what is left and writes every member; call once, at the end.</summary>
    public void Finish()
    {
        if (_finished)
        {
            return;
        }

        _finished = true;
        if (_filled > 0 || _pending.Count == 0)
        {
            Submit();
        }

        while (_pending.Count > 0)
        {
            WriteOldest();
        }

        inner.Flush();
    }

    public override void Flush()
    {
        // Members are only complete at block boundaries; Finish writes the rest.
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Finish();
        }

        base.Dispose(disposing);
    }

    private void Submit()
    {
        var block = _block;
        var length = _filled;
        _block = new byte[_block.Length];
        _filled = 0;
        _pending.Enqueue(Task.Run(() => Compress(block, length, level)));
        while (_pending.Count > _parallelism)
        {
            WriteOldest();
        }
    }

    private void WriteOldest() => inner.Write(_pending.Dequeue().GetAwaiter().GetResult());

    private static byte[] Compress(byte[] block, int length, int level)
    {
        using var output = new MemoryStream(length / 2 + 64);
        using (var gzip = new GZipStream(output, new ZLibCompressionOptions { CompressionLevel = level }, leaveOpen: true))
        {
            gzip.Write(block, 0, length);
        }

        return output.ToArray();
    }
}
