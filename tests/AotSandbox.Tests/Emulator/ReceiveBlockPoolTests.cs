using System.IO.Pipelines;
using AotSandbox.Emulator;

namespace AotSandbox.Tests.Emulator;

public sealed class ReceiveBlockPoolTests
{
    [Fact]
    public void APipeOverThePool_OffersAWholeBlockPerReceive()
    {
        // Kestrel's socket transport receives into its input pipe's GetMemory(); that is the block this pool hands out.
        var pool = new ReceiveBlockPool();
        var pipe = new Pipe(new PipeOptions(pool: pool.Create(), minimumSegmentSize: 2048, useSynchronizationContext: false));
        Assert.Equal(ReceiveBlockPool.BlockSize, pipe.Writer.GetMemory(2048).Length);
        Assert.Equal(1, pool.Rents);
    }

    [Fact]
    public void ALeaseReturnsItsBlockOnce_AndIsUnusableAfterwards()
    {
        var pool = new ReceiveBlockPool();
        var lease = pool.Rent();
        Memory<byte> block = lease.Memory;
        lease.Dispose();
        lease.Dispose();
        Assert.Equal(1, pool.RetainedBlocks);
        Assert.Throws<ObjectDisposedException>(() => lease.Memory);

        // The next two rents get the returned block and a fresh one, never the same block twice.
        using var first = pool.Rent();
        using var second = pool.Rent();
        Assert.True(first.Memory.Span.Overlaps(block.Span) ^ second.Memory.Span.Overlaps(block.Span));
        Assert.False(first.Memory.Span.Overlaps(second.Memory.Span));
    }

    [Fact]
    public void FreeBlocksKept_AreBounded()
    {
        var pool = new ReceiveBlockPool();
        var leases = Enumerable.Range(0, ReceiveBlockPool.MaxRetainedBlocks * 3).Select(_ => pool.Rent()).ToList();
        leases.ForEach(l => l.Dispose());
        Assert.Equal(ReceiveBlockPool.MaxRetainedBlocks, pool.RetainedBlocks);
        Assert.Equal(ReceiveBlockPool.MaxRetainedBlocks * 3, pool.Allocated);

        // Kept blocks are reused: renting them all again allocates nothing.
        leases = Enumerable.Range(0, ReceiveBlockPool.MaxRetainedBlocks).Select(_ => pool.Rent()).ToList();
        Assert.Equal(ReceiveBlockPool.MaxRetainedBlocks * 3, pool.Allocated);
        Assert.Equal(0, pool.RetainedBlocks);
        leases.ForEach(l => l.Dispose());
    }

    [Fact]
    public void RequestsLargerThanABlock_AreRefused_AndDisposingAViewKeepsThePool()
    {
        var pool = new ReceiveBlockPool();
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent(ReceiveBlockPool.BlockSize + 1));
        pool.Create().Dispose();
        using var lease = pool.Rent(ReceiveBlockPool.BlockSize);
        Assert.Equal(ReceiveBlockPool.BlockSize, lease.Memory.Length);
    }
}
