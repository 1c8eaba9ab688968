using System.Buffers;
using Microsoft.AspNetCore.Connections;

namespace AotSandbox.Emulator;

/// <summary>
/// The blocks Kestrel receives into and writes responses from. Its own pool hands out 4 KiB blocks and its socket
/// transport receives into one block at a time, so a 1 MiB <c>file.binary</c> chunk took 256 receives, each with a pipe
/// wake-up, a WebSocket read and a TCP window update on the way. With 64 KiB blocks it takes 16 (upload +20 % MB/s in
/// alternated runs, bench/PROFILE-NOTES.md).
/// <para>
/// Memory stays bounded: at most <see cref="MaxRetainedBlocks"/> free blocks are kept for reuse (4 MiB), later returns are
/// left to the GC; what is rented at once is bounded by Kestrel's limits, which the server sets (a connection holds a
/// block only while it has received bytes not yet consumed, since the transport waits for data before renting one).
/// </para>
/// <para>
/// Every rent gets a lease of its own: disposing it twice returns its block once, and a disposed lease's
/// <see cref="IMemoryOwner{T}.Memory"/> throws instead of handing out a block that may already belong to another
/// connection.
/// </para>
/// </summary>
internal sealed class ReceiveBlockPool : MemoryPool<byte>, IMemoryPoolFactory<byte>
{
    /// <summary>The size of every block.</summary>
    public const int BlockSize = 64 * 1024;

    /// <summary>Free blocks kept for reuse, over every pool Kestrel asks this factory for.</summary>
    public const int MaxRetainedBlocks = 64;

    private readonly Lock _gate = new();
    private readonly byte[]?[] _free = new byte[MaxRetainedBlocks][];
    private int _freeCount;
    private long _rents;
    private long _allocated;

    public override int MaxBufferSize => BlockSize;

    /// <summary>Blocks handed out since the start (for tests and diagnostics: proves Kestrel rents from here).</summary>
    public long Rents => Interlocked.Read(ref _rents);

    /// <summary>Blocks allocated since the start, i.e. rents the free list could not serve (for tests and diagnostics).</summary>
    public long Allocated => Interlocked.Read(ref _allocated);

    /// <summary>Free blocks held right now (for tests and diagnostics).</summary>
    public int RetainedBlocks
    {
        get
        {
            lock (_gate)
            {
                return _freeCount;
            }
        }
    }

    /// <summary>
    /// Kestrel asks for one pool per transport queue and disposes them at shutdown; they all share this one, so the
    /// retention bound holds server-wide, and disposing a view changes nothing.
    /// </summary>
    public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => this;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        if (minBufferSize > BlockSize)
        {
            ThrowTooLarge(minBufferSize);
        }

        Interlocked.Increment(ref _rents);
        byte[]? block = null;
        lock (_gate)
        {
            if (_freeCount > 0)
            {
                block = _free[--_freeCount];
                _free[_freeCount] = null;
            }
        }

        if (block is null)
        {
            Interlocked.Increment(ref _allocated);

            // Pinned: the socket transport hands the block's address to the kernel for the duration of a receive.
            block = GC.AllocateUninitializedArray<byte>(BlockSize, pinned: true);
        }

        return new Lease(this, block);
    }

    protected override void Dispose(bool disposing)
    {
    }

    private void Return(byte[] block)
    {
        lock (_gate)
        {
            if (_freeCount < MaxRetainedBlocks)
            {
                _free[_freeCount++] = block;
            }
        }
    }

    private static void ThrowTooLarge(int size) =>
        throw new ArgumentOutOfRangeException(nameof(size), size, $"blocks of this pool are {BlockSize} bytes");

    private sealed class Lease(ReceiveBlockPool pool, byte[] block) : IMemoryOwner<byte>
    {
        private byte[]? _block = block;

        public Memory<byte> Memory => _block ?? ThrowDisposed();

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _block, null) is { } returned)
            {
                pool.Return(returned);
            }
        }

        private static byte[] ThrowDisposed() => throw new ObjectDisposedException(nameof(ReceiveBlockPool), "this block was returned to the pool");
    }
}
