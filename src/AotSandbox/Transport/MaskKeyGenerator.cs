using System.Buffers.Binary;

namespace AotSandbox.Transport;

/// <summary>
/// Hands out frame mask keys. RFC 6455 §10.3 wants keys an attacker cannot predict, so they come from the OS CSPRNG,
/// reached through Guid.NewGuid: on Linux it reads the kernel's CSPRNG through the runtime's native shim, while
/// RandomNumberGenerator would first load and initialise OpenSSL (2-3 ms measured in an AOT process) even on ws://.
/// Of a v4 GUID's 16 bytes, 12 carry no version or variant bits: bytes 0-5 and 9-14 (in TryWriteBytes order) make
/// three keys. One refill draws 21 GUIDs for 63 keys, which keeps the CSPRNG off the per-frame path.
/// Not thread-safe: used under the send lock.
/// </summary>
internal sealed class MaskKeyGenerator
{
    private const int KeysPerRefill = 63;

    private readonly byte[] _entropy = new byte[KeysPerRefill * 4];
    private int _next = KeysPerRefill * 4;

    /// <summary>The next key, in the little-endian wire order the frame writer and masking expect.</summary>
    public uint Next()
    {
        if (_next == _entropy.Length)
        {
            Refill(_entropy);
            _next = 0;
        }

        uint key = BinaryPrimitives.ReadUInt32LittleEndian(_entropy.AsSpan(_next));
        _next += 4;
        return key;
    }

    /// <summary>Fills <paramref name="destination"/> (a multiple of 12 bytes) with the fully random bytes of fresh GUIDs.</summary>
    internal static void Refill(Span<byte> destination)
    {
        Span<byte> guid = stackalloc byte[16];
        for (int offset = 0; offset < destination.Length; offset += 12)
        {
            Guid.NewGuid().TryWriteBytes(guid);
            guid[..6].CopyTo(destination[offset..]);
            guid.Slice(9, 6).CopyTo(destination[(offset + 6)..]);
        }
    }
}
