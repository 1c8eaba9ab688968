using System.Buffers;

namespace AotSandbox.Emulator.DataPlane;

/// <summary>
/// One message queued for a client: a JSON text frame (an exactly-sized array of its own), or a binary
/// <c>file.content</c> of the <c>file.binary</c> extension (docs/PROTOCOL.md §4.7), a slice of an
/// <see cref="ArrayPool{T}.Shared"/> array that the connection's writer returns once it is sent.
/// </summary>
internal readonly struct OutgoingMessage
{
    private OutgoingMessage(byte[] array, int offset, int length, bool binary)
    {
        Array = array;
        Offset = offset;
        Length = length;
        IsBinary = binary;
    }

    public byte[] Array { get; }

    public int Offset { get; }

    public int Length { get; }

    /// <summary>A binary message over a pooled array (returned after sending); else a text frame.</summary>
    public bool IsBinary { get; }

    public ReadOnlyMemory<byte> Memory => Array.AsMemory(Offset, Length);

    public static OutgoingMessage Text(byte[] frame) => new(frame, 0, frame.Length, binary: false);

    /// <summary>A binary message in <paramref name="pooled"/>[offset..offset+length]; the array now belongs to the message.</summary>
    public static OutgoingMessage PooledBinary(byte[] pooled, int offset, int length) => new(pooled, offset, length, binary: true);

    /// <summary>Gives a pooled array back (after sending, or when the message is dropped); text frames are left to the GC.</summary>
    public void Release()
    {
        if (IsBinary)
        {
            ArrayPool<byte>.Shared.Return(Array);
        }
    }
}
