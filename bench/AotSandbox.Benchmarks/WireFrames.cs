using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace AotSandbox.Benchmarks;

/// <summary>Pre-built protocol frames shared by ours and the baselines, so both read exactly the same bytes.</summary>
internal static class WireFrames
{
    public const string ExecId = "e-bench-1";

    /// <summary>
    /// Output as a terminal produces it: base64-like lines of 76 characters, each ending in a newline that JSON escapes
    /// as <c>\n</c> (so the decoder must unescape, as it must for nearly all real output), <paramref name="dataBytes"/> long.
    /// </summary>
    public static string OutputData(int dataBytes)
    {
        // Cut on a line boundary so the decoded size is exact: each line is 77 decoded bytes.
        int lines = Math.Max(1, dataBytes / 77);
        return string.Concat(Enumerable.Range(0, lines).Select(i => new string((char)('A' + (i % 26)), 76) + "\\n"));
    }

    /// <summary>Decoded bytes of <see cref="OutputData"/>.</summary>
    public static int DecodedLength(int dataBytes) => Math.Max(1, dataBytes / 77) * 77;

    /// <summary>The JSON text of one <c>exec.output</c> frame.</summary>
    public static byte[] ExecOutputJson(string execId, string escapedData, string stream = "stdout")
        => Encoding.UTF8.GetBytes(string.Create(
            CultureInfo.InvariantCulture,
            $"{{\"type\":\"exec.output\",\"execId\":\"{execId}\",\"stream\":\"{stream}\",\"data\":\"{escapedData}\"}}"));

    /// <summary>An unmasked server-to-client text frame around <paramref name="payload"/>.</summary>
    public static byte[] ServerTextFrame(ReadOnlySpan<byte> payload)
    {
        int header = payload.Length <= 125 ? 2 : payload.Length <= ushort.MaxValue ? 4 : 10;
        byte[] frame = new byte[header + payload.Length];
        frame[0] = 0x81;
        if (header == 2)
        {
            frame[1] = (byte)payload.Length;
        }
        else if (header == 4)
        {
            frame[1] = 126;
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)payload.Length);
        }
        else
        {
            frame[1] = 127;
            BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(2), (ulong)payload.Length);
        }

        payload.CopyTo(frame.AsSpan(header));
        return frame;
    }

    /// <summary><paramref name="count"/> exec.output frames on the wire, alternating stdout/stderr every 8th frame.</summary>
    public static byte[] OutputStream(int count, int dataBytes)
    {
        string data = OutputData(dataBytes);
        byte[] stdout = ServerTextFrame(ExecOutputJson(ExecId, data));
        byte[] stderr = ServerTextFrame(ExecOutputJson(ExecId, data, "stderr"));
        using var wire = new MemoryStream();
        for (int i = 0; i < count; i++)
        {
            wire.Write(i % 8 == 7 ? stderr : stdout);
        }

        return wire.ToArray();
    }
}
