using System.Buffers.Binary;
using System.Text;

namespace AotSandbox.Emulator.Network;

/// <summary>The single question of a DNS query.</summary>
internal readonly record struct DnsQuestion(ushort Id, bool RecursionDesired, string Name, ushort Type, ushort Class, int QuestionEnd);

/// <summary>DNS wire format, just what a stub resolver needs: parse one-question queries, write answers. Pure functions.</summary>
internal static class DnsMessage
{
    /// <summary>Type A.</summary>
    public const ushort TypeA = 1;

    /// <summary>Response code NOERROR.</summary>
    public const int NoError = 0;

    /// <summary>Response code FORMERR.</summary>
    public const int FormErr = 1;

    /// <summary>Response code NXDOMAIN.</summary>
    public const int NxDomain = 3;

    /// <summary>Response code REFUSED.</summary>
    public const int Refused = 5;

    /// <summary>
    /// Parses a standard query with exactly one question. Name compression is refused in queries (no client needs
    /// it and it is the usual parser-bug surface). The name is returned as raw text (Latin1) for HostName to judge.
    /// </summary>
    public static DnsQuestion? ParseQuery(ReadOnlySpan<byte> msg)
    {
        if (msg.Length < 12 || msg.Length > 4096)
        {
            return null;
        }

        ushort id = BinaryPrimitives.ReadUInt16BigEndian(msg);
        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(msg[2..]);
        if ((flags & 0x8000) != 0 || ((flags >> 11) & 0xF) != 0)
        {
            return null;
        }

        if (BinaryPrimitives.ReadUInt16BigEndian(msg[4..]) != 1)
        {
            return null;
        }

        int pos = 12;
        var name = new StringBuilder();
        while (true)
        {
            if (pos >= msg.Length)
            {
                return null;
            }

            int len = msg[pos++];
            if (len == 0)
            {
                break;
            }

            if (len > 63 || pos + len > msg.Length)
            {
                return null;
            }

            if (name.Length > 0)
            {
                name.Append('.');
            }

            name.Append(Encoding.Latin1.GetString(msg.Slice(pos, len)));
            if (name.Length > 255)
            {
                return null;
            }

            pos += len;
        }
        if (pos + 4 > msg.Length)
        {
            return null;
        }

        ushort type = BinaryPrimitives.ReadUInt16BigEndian(msg[pos..]);
        ushort cls = BinaryPrimitives.ReadUInt16BigEndian(msg[(pos + 2)..]);
        return new DnsQuestion(id, (flags & 0x0100) != 0, name.ToString(), type, cls, pos + 4);
    }

    /// <summary>
    /// Writes the answer to <paramref name="query"/>: the question echoed, then one A record when
    /// <paramref name="address"/> is given (TTL <paramref name="ttl"/>), else none (NODATA or an error rcode).
    /// </summary>
    public static byte[] WriteResponse(ReadOnlySpan<byte> query, DnsQuestion q, int rcode, ReadOnlySpan<byte> address, uint ttl)
    {
        int questionLength = q.QuestionEnd - 12;
        bool withAnswer = address.Length == 4 && rcode == NoError;
        var msg = new byte[12 + questionLength + (withAnswer ? 16 : 0)];
        BinaryPrimitives.WriteUInt16BigEndian(msg, q.Id);
        ushort flags = (ushort)(0x8000 | 0x0400 | (q.RecursionDesired ? 0x0100 : 0) | 0x0080 | (rcode & 0xF));
        BinaryPrimitives.WriteUInt16BigEndian(msg.AsSpan(2), flags);
        BinaryPrimitives.WriteUInt16BigEndian(msg.AsSpan(4), 1);
        BinaryPrimitives.WriteUInt16BigEndian(msg.AsSpan(6), (ushort)(withAnswer ? 1 : 0));
        query.Slice(12, questionLength).CopyTo(msg.AsSpan(12));
        if (withAnswer)
        {
            Span<byte> a = msg.AsSpan(12 + questionLength);
            BinaryPrimitives.WriteUInt16BigEndian(a, 0xC00C);
            BinaryPrimitives.WriteUInt16BigEndian(a[2..], TypeA);
            BinaryPrimitives.WriteUInt16BigEndian(a[4..], 1);
            BinaryPrimitives.WriteUInt32BigEndian(a[6..], ttl);
            BinaryPrimitives.WriteUInt16BigEndian(a[10..], 4);
            address.CopyTo(a[12..]);
        }
        return msg;
    }

    /// <summary>A FORMERR answer for a message we could not parse (only when it has at least an id).</summary>
    public static byte[]? WriteFormErr(ReadOnlySpan<byte> query)
    {
        if (query.Length < 12)
        {
            return null;
        }

        var msg = new byte[12];
        query[..2].CopyTo(msg);
        BinaryPrimitives.WriteUInt16BigEndian(msg.AsSpan(2), 0x8000 | FormErr);
        return msg;
    }
}
