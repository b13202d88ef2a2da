using System.Buffers;
using System.Threading.Channels;

namespace KVEdge.Core.Images;

/// <summary>
/// A blob upload that runs while the blob is still being produced, as `docker push` streams one: one PATCH whose body
/// is read from <see cref="Sink"/> as it is written (chunked transfer encoding; at most two 1 MiB chunks wait, so memory
/// stays bounded and the producer slows to the registry's pace), then PUT ?digest= once the digest is known at the end.
/// </summary>
public sealed class StreamingUpload : IAsyncDisposable
{
    private const int ChunkSize = 1 << 20;

    private readonly Channel<(byte[] Buffer, int Length)> _chunks = Channel.CreateBounded<(byte[], int)>(2);
    private readonly Func<string, CancellationToken, Task> _finish;
    private readonly Task<long> _sender;
    private readonly CancellationTokenSource _cts;

    internal StreamingUpload(Func<Stream, CancellationToken, Task> sendBody, Func<string, CancellationToken, Task> finish, CancellationToken ct)
    {
        _finish = finish;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Sink = new ChunkingStream(this);
        var body = new ChannelReadStream(_chunks.Reader);
        _sender = Task.Run(async () =>
        {
            await sendBody(body, _cts.Token);
            return body.BytesRead;
        }, CancellationToken.None);
    }

    /// <summary>Where the blob's bytes go; writing blocks while the registry is behind.</summary>
    public Stream Sink { get; }

    /// <summary>Sends what is left, waits for the registry to take it all, then closes the upload with the blob's digest.</summary>
    public async Task<long> CompleteAsync(string digest)
    {
        ((ChunkingStream)Sink).FlushChunk();
        _chunks.Writer.TryComplete();
        var sent = await _sender;
        await _finish(digest, _cts.Token);
        return sent;
    }

    public async ValueTask DisposeAsync()
    {
        _chunks.Writer.TryComplete();
        await _cts.CancelAsync();
        try
        {
            await _sender;
        }
        catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException or IOException or RegistryException)
        {
            // Abandoned (the build failed, or CompleteAsync already reported the error); the registry drops the session.
        }

        _cts.Dispose();
    }

    private void Enqueue(byte[] buffer, int length)
    {
        if (_sender.IsFaulted)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            _sender.GetAwaiter().GetResult(); // the upload failed: say why, now, not at the end
        }

        _chunks.Writer.WriteAsync((buffer, length), _cts.Token).AsTask().GetAwaiter().GetResult();
    }

    private sealed class ChunkingStream(StreamingUpload owner) : BlockWriteStream(ChunkSize, ArrayPool<byte>.Shared)
    {
        public void FlushChunk() => SubmitBlock();

        protected override void OnBlock(byte[] block, int length) => owner.Enqueue(block, length);
    }

    /// <summary>The request body: the chunks, in order, as they arrive.</summary>
    private sealed class ChannelReadStream(ChannelReader<(byte[] Buffer, int Length)> chunks) : Stream
    {
        private byte[]? _current;
        private int _length;
        private int _position;

        public long BytesRead { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (_current is null || _position == _length)
            {
                if (_current is not null)
                {
                    ArrayPool<byte>.Shared.Return(_current);
                    _current = null;
                }

                if (!await chunks.WaitToReadAsync(cancellationToken) || !chunks.TryRead(out var next))
                {
                    return 0;
                }

                (_current, _length, _position) = (next.Buffer, next.Length, 0);
            }

            var n = Math.Min(buffer.Length, _length - _position);
            _current.AsMemory(_position, n).CopyTo(buffer);
            _position += n;
            BytesRead += n;
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
