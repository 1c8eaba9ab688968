using System.Buffers.Binary;
using System.Security.Cryptography;

namespace AotSandbox.Transport;

/// <summary>
/// Hands out frame mask keys. RFC 6455 §10.3 wants keys an attacker cannot predict, so they come from the OS CSPRNG;
/// drawing 64 keys per call keeps that off the per-frame path without a weaker generator. Not thread-safe: used under the send lock.
/// </summary>
internal sealed class MaskKeyGenerator
{
    private readonly byte[] _entropy = new byte[256];
    private int _next = 256;

    /// <summary>The next key, in the little-endian wire order the frame writer and masking expect.</summary>
    public uint Next()
    {
        if (_next == _entropy.Length)
        {
            RandomNumberGenerator.Fill(_entropy);
            _next = 0;
        }

        uint key = BinaryPrimitives.ReadUInt32LittleEndian(_entropy.AsSpan(_next));
        _next += 4;
        return key;
    }
}
