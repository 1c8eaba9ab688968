using System.Buffers.Binary;
using System.Text;

namespace AotSandbox.Tests.Transport.Support;

/// <summary>Builds raw server-to-client frames by hand, including malformed ones a real server would never send.</summary>
internal static class ServerFrames
{
    public const int ContinuationOp = 0x0, TextOp = 0x1, BinaryOp = 0x2, CloseOp = 0x8, PingOp = 0x9, PongOp = 0xA;

    public static byte[] Frame(int opcode, byte[] payload, bool fin = true, int rsv = 0, uint? maskKey = null)
    {
        var frame = new List<byte> { (byte)((fin ? 0x80 : 0) | (rsv << 4) | opcode) };
        byte maskBit = maskKey is null ? (byte)0 : (byte)0x80;
        if (payload.Length <= 125)
        {
            frame.Add((byte)(maskBit | payload.Length));
        }
        else if (payload.Length <= ushort.MaxValue)
        {
            frame.Add((byte)(maskBit | 126));
            frame.Add((byte)(payload.Length >> 8));
            frame.Add((byte)payload.Length);
        }
        else
        {
            frame.Add((byte)(maskBit | 127));
            var length = new byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(length, (ulong)payload.Length);
            frame.AddRange(length);
        }

        byte[] body = (byte[])payload.Clone();
        if (maskKey is uint key)
        {
            var keyBytes = new byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(keyBytes, key);
            frame.AddRange(keyBytes);
            for (int i = 0; i < body.Length; i++)
            {
                body[i] ^= keyBytes[i & 3];
            }
        }

        frame.AddRange(body);
        return [.. frame];
    }

    public static byte[] Text(string text, bool fin = true) => Frame(TextOp, Encoding.UTF8.GetBytes(text), fin);

    public static byte[] CloseFrame(int code, string reason = "")
    {
        if (code == 0)
        {
            return Frame(CloseOp, []);
        }

        byte[] reasonBytes = Encoding.UTF8.GetBytes(reason);
        var payload = new byte[2 + reasonBytes.Length];
        BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)code);
        reasonBytes.CopyTo(payload, 2);
        return Frame(CloseOp, payload);
    }

    public static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];
}
