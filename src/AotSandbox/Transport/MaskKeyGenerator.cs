using System.Buffers.Binary;
using AotSandbox.Protocol;

namespace AotSandbox.Transport;

/// <summary>
/// Hands out frame mask keys. RFC 6455 §10.3 wants keys an attacker cannot predict, so they come from the OS CSPRNG
/// through <see cref="GuidEntropy"/> (no OpenSSL on ws://): each GUID's 12 random bytes make three keys. One refill
/// draws 21 GUIDs for 63 keys, which keeps the CSPRNG off the per-frame path.
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
            GuidEntropy.Fill(_entropy);
            _next = 0;
        }

        uint key = BinaryPrimitives.ReadUInt32LittleEndian(_entropy.AsSpan(_next));
        _next += 4;
        return key;
    }
}
