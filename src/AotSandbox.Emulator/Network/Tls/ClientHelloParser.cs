using System.Buffers.Binary;
using System.Text;

namespace AotSandbox.Emulator.Network;

/// <summary>Outcome of sniffing the first bytes of a connection for a TLS ClientHello.</summary>
internal enum ClientHelloStatus
{
    /// <summary>Looks like TLS, need more bytes.</summary>
    Incomplete,

    /// <summary>A complete ClientHello (SNI may still be absent).</summary>
    Complete,

    /// <summary>Not a TLS handshake record.</summary>
    NotTls,

    /// <summary>TLS but malformed or unsupported (e.g. a ClientHello split over records): refuse.</summary>
    Invalid,
}

/// <summary>Extracts the server_name (SNI) from a TLS ClientHello; a pure function of bytes.</summary>
internal static class ClientHelloParser
{
    /// <summary>Parses the first TLS record of <paramref name="data"/>.</summary>
    public static ClientHelloStatus Parse(ReadOnlySpan<byte> data, out string? serverName)
    {
        serverName = null;
        if (data.Length == 0)
        {
            return ClientHelloStatus.Incomplete;
        }

        if (data[0] != 0x16)
        {
            return ClientHelloStatus.NotTls;
        }

        if (data.Length < 5)
        {
            return ClientHelloStatus.Incomplete;
        }

        if (data[1] != 0x03)
        {
            return ClientHelloStatus.NotTls;
        }

        int recordLength = BinaryPrimitives.ReadUInt16BigEndian(data[3..]);
        if (recordLength is 0 or > 16384)
        {
            return ClientHelloStatus.Invalid;
        }

        if (data.Length < 5 + recordLength)
        {
            return ClientHelloStatus.Incomplete;
        }

        var r = new Reader(data.Slice(5, recordLength));
        if (!r.TryByte(out byte hsType) || hsType != 1)
        {
            return ClientHelloStatus.Invalid;
        }

        if (!r.TryUInt24(out int hsLength) || hsLength > r.Remaining)
        {
            return ClientHelloStatus.Invalid;
        }

        r = new Reader(r.Rest[..hsLength]);
        if (!r.Skip(2 + 32))
        {
            return ClientHelloStatus.Invalid;
        }

        if (!r.SkipVector8() || !r.SkipVector16() || !r.SkipVector8())
        {
            return ClientHelloStatus.Invalid;
        }

        if (r.Remaining == 0)
        {
            return ClientHelloStatus.Complete;
        }

        if (!r.TryUInt16(out int extLength) || extLength != r.Remaining)
        {
            return ClientHelloStatus.Invalid;
        }

        bool seenSni = false;
        while (r.Remaining > 0)
        {
            if (!r.TryUInt16(out int type) || !r.TryUInt16(out int len) || len > r.Remaining)
            {
                return ClientHelloStatus.Invalid;
            }

            ReadOnlySpan<byte> ext = r.Rest[..len];
            r.Skip(len);
            if (type != 0)
            {
                continue;
            }

            if (seenSni)
            {
                return ClientHelloStatus.Invalid;
            }

            seenSni = true;
            var e = new Reader(ext);
            if (!e.TryUInt16(out int listLength) || listLength != e.Remaining)
            {
                return ClientHelloStatus.Invalid;
            }

            while (e.Remaining > 0)
            {
                if (!e.TryByte(out byte nameType) || !e.TryUInt16(out int nameLength) || nameLength > e.Remaining || nameLength == 0)
                {
                    return ClientHelloStatus.Invalid;
                }

                ReadOnlySpan<byte> name = e.Rest[..nameLength];
                e.Skip(nameLength);
                if (nameType != 0)
                {
                    continue;
                }

                if (serverName is not null)
                {
                    return ClientHelloStatus.Invalid;
                }
                // Latin1 keeps every byte visible so that HostName refuses NUL/control/non-ASCII instead of us dropping them.
                serverName = Encoding.Latin1.GetString(name);
            }
        }
        return ClientHelloStatus.Complete;
    }

    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private ReadOnlySpan<byte> _data = data;

        public readonly int Remaining => _data.Length;

        public readonly ReadOnlySpan<byte> Rest => _data;

        public bool Skip(int n)
        {
            if (n > _data.Length)
            {
                return false;
            }

            _data = _data[n..];
            return true;
        }

        public bool TryByte(out byte b)
        {
            b = 0;
            if (_data.IsEmpty)
            {
                return false;
            }

            b = _data[0];
            _data = _data[1..];
            return true;
        }

        public bool TryUInt16(out int v)
        {
            v = 0;
            if (_data.Length < 2)
            {
                return false;
            }

            v = BinaryPrimitives.ReadUInt16BigEndian(_data);
            _data = _data[2..];
            return true;
        }

        public bool TryUInt24(out int v)
        {
            v = 0;
            if (_data.Length < 3)
            {
                return false;
            }

            v = (_data[0] << 16) | (_data[1] << 8) | _data[2];
            _data = _data[3..];
            return true;
        }

        public bool SkipVector8() => TryByte(out byte n) && Skip(n);

        public bool SkipVector16() => TryUInt16(out int n) && Skip(n);
    }
}
