using System.Buffers.Binary;
using System.Numerics;

namespace AotSandbox.Protocol.WebSocket;

/// <summary>
/// SHA-1 (FIPS 180-4 §6.1) for exactly one use: the Sec-WebSocket-Accept check of the upgrade (RFC 6455 §4.2.2),
/// which proves the server understood the handshake and protects nothing. On Linux, SHA1.HashData loads and
/// initialises OpenSSL first: about 2 ms measured in an AOT process, more than half an AOT hello world's whole run,
/// paid on every ws:// cold start that needs no TLS at all. Checked against SHA1.HashData by a property test.
/// Not for anything that needs collision resistance.
/// </summary>
internal static class HandshakeSha1
{
    public const int HashBytes = 20;

    /// <summary>Hashes <paramref name="data"/> into <paramref name="destination"/> (20 bytes).</summary>
    public static void HashData(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        Span<uint> state = [0x67452301u, 0xEFCDAB89u, 0x98BADCFEu, 0x10325476u, 0xC3D2E1F0u];
        Span<uint> w = stackalloc uint[80];
        int full = data.Length / 64 * 64;
        for (int offset = 0; offset < full; offset += 64)
        {
            Compress(state, data.Slice(offset, 64), w);
        }

        // Padding: 0x80, zeros, then the message length in bits as a big-endian 64-bit number; one or two blocks.
        Span<byte> tail = stackalloc byte[128];
        tail.Clear();
        ReadOnlySpan<byte> rest = data[full..];
        rest.CopyTo(tail);
        tail[rest.Length] = 0x80;
        int tailLength = rest.Length < 56 ? 64 : 128;
        BinaryPrimitives.WriteUInt64BigEndian(tail[(tailLength - 8)..], (ulong)data.Length * 8);
        for (int offset = 0; offset < tailLength; offset += 64)
        {
            Compress(state, tail.Slice(offset, 64), w);
        }

        for (int i = 0; i < 5; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination[(i * 4)..], state[i]);
        }
    }

    private static void Compress(Span<uint> state, ReadOnlySpan<byte> block, Span<uint> w)
    {
        for (int t = 0; t < 16; t++)
        {
            w[t] = BinaryPrimitives.ReadUInt32BigEndian(block[(t * 4)..]);
        }

        for (int t = 16; t < 80; t++)
        {
            w[t] = BitOperations.RotateLeft(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
        }

        uint a = state[0], b = state[1], c = state[2], d = state[3], e = state[4];
        for (int t = 0; t < 80; t++)
        {
            uint f, k;
            if (t < 20)
            {
                (f, k) = ((b & c) | (~b & d), 0x5A827999u);
            }
            else if (t < 40)
            {
                (f, k) = (b ^ c ^ d, 0x6ED9EBA1u);
            }
            else if (t < 60)
            {
                (f, k) = ((b & c) | (b & d) | (c & d), 0x8F1BBCDCu);
            }
            else
            {
                (f, k) = (b ^ c ^ d, 0xCA62C1D6u);
            }

            uint temp = BitOperations.RotateLeft(a, 5) + f + e + k + w[t];
            e = d;
            d = c;
            c = BitOperations.RotateLeft(b, 30);
            b = a;
            a = temp;
        }

        state[0] += a;
        state[1] += b;
        state[2] += c;
        state[3] += d;
        state[4] += e;
    }
}
