using System.Buffers.Binary;

namespace AotSandbox.Protocol;

/// <summary>
/// Key of a pending operation. Ids the SDK generates (<c>exec-</c>/<c>file-</c> + 24 lowercase hex) are packed into two
/// integers, so routing an incoming frame to its operation compares numbers and never allocates a string. Any other id
/// (e.g. one a caller passes to re-attach) falls back to ordinal string comparison.
/// </summary>
internal readonly struct FrameId : IEquatable<FrameId>
{
    private const int HexLength = 24;
    private const int PrefixLength = 5;
    public const int CanonicalLength = PrefixLength + HexLength;

    private readonly ulong _high;
    private readonly uint _low;
    private readonly byte _kind; // 0: free-form text, 1: exec-, 2: file-
    private readonly string? _text;

    private FrameId(byte kind, ulong high, uint low)
    {
        _kind = kind;
        _high = high;
        _low = low;
        _text = null;
    }

    private FrameId(string text)
    {
        _kind = 0;
        _high = 0;
        _low = 0;
        _text = text;
    }

    /// <summary>A fresh random command id.</summary>
    public static FrameId NewExec() => NewRandom(1);

    /// <summary>A fresh random file-operation id.</summary>
    public static FrameId NewFile() => NewRandom(2);

    /// <summary>The key of an id given as a string.</summary>
    public static FrameId From(string id)
    {
        Span<byte> utf8 = stackalloc byte[CanonicalLength];
        if (id.Length == CanonicalLength)
        {
            for (int i = 0; i < CanonicalLength; i++)
            {
                char c = id[i];
                if (c > 0x7F)
                {
                    return new FrameId(id);
                }

                utf8[i] = (byte)c;
            }

            if (TryParseCanonical(utf8, out FrameId packed))
            {
                return packed;
            }
        }

        return new FrameId(id);
    }

    /// <summary>The key of an id read from a frame; allocates only for ids the SDK did not generate.</summary>
    public static FrameId From(JsonText id)
    {
        if (!id.IsEscaped && TryParseCanonical(id.Raw, out FrameId packed))
        {
            return packed;
        }

        // Escaped (e.g. "\u0065xec-…") or free-form: decode, then pack if it is one of ours after all.
        return From(id.GetString() ?? string.Empty);
    }

    /// <summary>Whether this id came from <see cref="NewExec"/>/<see cref="NewFile"/> form (packed).</summary>
    public bool IsPacked => _kind != 0;

    public bool Equals(FrameId other)
        => _kind == other._kind && _high == other._high && _low == other._low && string.Equals(_text, other._text, StringComparison.Ordinal);

    public override bool Equals(object? obj) => obj is FrameId other && Equals(other);

    public override int GetHashCode()
        => _kind == 0 ? StringComparer.Ordinal.GetHashCode(_text ?? string.Empty) : HashCode.Combine(_high, _low, _kind);

    public static bool operator ==(FrameId left, FrameId right) => left.Equals(right);

    public static bool operator !=(FrameId left, FrameId right) => !left.Equals(right);

    /// <summary>The id as sent on the wire.</summary>
    public override string ToString()
    {
        if (_kind == 0)
        {
            return _text ?? string.Empty;
        }

        return string.Create(CanonicalLength, this, static (span, id) =>
        {
            (id._kind == 1 ? "exec-" : "file-").AsSpan().CopyTo(span);
            WriteHex(span.Slice(PrefixLength, 16), id._high, 16);
            WriteHex(span.Slice(PrefixLength + 16, 8), id._low, 8);
        });
    }

    // 96 bits from the OS CSPRNG without OpenSSL (GuidEntropy), so a ws:// client's first exec does not load libssl.
    private static FrameId NewRandom(byte kind)
    {
        Span<byte> random = stackalloc byte[GuidEntropy.BytesPerGuid];
        GuidEntropy.Fill(random);
        return new FrameId(kind, BinaryPrimitives.ReadUInt64BigEndian(random), BinaryPrimitives.ReadUInt32BigEndian(random[8..]));
    }

    private static bool TryParseCanonical(ReadOnlySpan<byte> utf8, out FrameId id)
    {
        id = default;
        if (utf8.Length != CanonicalLength || utf8[4] != (byte)'-')
        {
            return false;
        }

        byte kind;
        if (utf8.StartsWith("exec-"u8))
        {
            kind = 1;
        }
        else if (utf8.StartsWith("file-"u8))
        {
            kind = 2;
        }
        else
        {
            return false;
        }

        if (!TryParseHex(utf8.Slice(PrefixLength, 16), out ulong high) || !TryParseHex(utf8.Slice(PrefixLength + 16, 8), out ulong low))
        {
            return false;
        }

        id = new FrameId(kind, high, (uint)low);
        return true;
    }

    /// <summary>Lowercase hex only: an uppercase id is a different string, so it must not share a packed key.</summary>
    private static bool TryParseHex(ReadOnlySpan<byte> hex, out ulong value)
    {
        value = 0;
        foreach (byte b in hex)
        {
            int nibble = b switch
            {
                >= (byte)'0' and <= (byte)'9' => b - '0',
                >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
                _ => -1,
            };
            if (nibble < 0)
            {
                return false;
            }

            value = (value << 4) | (uint)nibble;
        }

        return true;
    }

    private static void WriteHex(Span<char> destination, ulong value, int digits)
    {
        for (int i = digits - 1; i >= 0; i--)
        {
            destination[i] = "0123456789abcdef"[(int)(value & 0xF)];
            value >>= 4;
        }
    }
}
