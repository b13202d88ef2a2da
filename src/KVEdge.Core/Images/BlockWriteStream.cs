using System.Buffers;

namespace KVEdge.Core.Images;

/// <summary>
/// Gathers writes into fixed-size blocks rented from <paramref name="pool"/> and hands each full one to
/// <see cref="OnBlock"/>, which owns it from then on (and returns it to the pool).
/// </summary>
public abstract class BlockWriteStream(int blockSize, ArrayPool<byte> pool) : WriteOnlyStream
{
    private byte[] _block = pool.Rent(blockSize);
    private int _filled;

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (buffer.Length > 0)
        {
            var n = Math.Min(buffer.Length, blockSize - _filled);
            buffer[..n].CopyTo(_block.AsSpan(_filled));
            _filled += n;
            buffer = buffer[n..];
            if (_filled == blockSize)
            {
                SubmitBlock();
            }
        }
    }

    /// <summary>Hands on the block being filled; an empty one only when <paramref name="evenIfEmpty"/>.</summary>
    protected void SubmitBlock(bool evenIfEmpty = false)
    {
        if (_filled == 0 && !evenIfEmpty)
        {
            return;
        }

        var block = _block;
        var length = _filled;
        _block = pool.Rent(blockSize);
        _filled = 0;
        OnBlock(block, length);
    }

    protected abstract void OnBlock(byte[] block, int length);
}
