using System.Buffers.Binary;

namespace AotSandbox.Emulator.Network;

/// <summary>
/// Builds the two rtnetlink requests a fresh sandbox namespace needs (<c>ip link set lo up</c> and
/// <c>ip route replace default dev lo src 127.0.0.1</c>) and reads the kernel's acknowledgement. Pure functions of
/// bytes, so every field is unit-tested without a kernel. Netlink headers are in host byte order (this code only
/// runs on little-endian Linux, checked by <see cref="RequireLittleEndian"/>); addresses are in network order.
/// </summary>
internal static class RtNetlinkMessages
{
    /// <summary>The loopback device's index: the kernel registers it first in every network namespace.</summary>
    public const int LoopbackIndex = 1;

    /// <summary>Bytes enough for either request.</summary>
    public const int MaxRequestBytes = 64;

    public const ushort RtmNewLink = 16;
    public const ushort RtmNewRoute = 24;
    public const ushort NlmsgError = 2;

    public const ushort NlmFRequest = 0x1;
    public const ushort NlmFAck = 0x4;
    public const ushort NlmFReplace = 0x100;
    public const ushort NlmFCreate = 0x400;

    public const byte AfInet = 2;
    public const uint IffUp = 0x1;
    public const byte RtTableMain = 254;
    public const byte RtProtBoot = 3;
    public const byte RtScopeLink = 253;
    public const byte RtnUnicast = 1;
    public const ushort RtaOif = 4;
    public const ushort RtaPrefSrc = 7;

    private const int HeaderBytes = 16; // struct nlmsghdr
    private const int IfInfoBytes = 16; // struct ifinfomsg
    private const int RtMsgBytes = 12; // struct rtmsg
    private const int ErrorBodyBytes = 4 + HeaderBytes; // struct nlmsgerr: int error + the request's header

    /// <summary>Throws on a big-endian host, where these host-order headers would be wrong.</summary>
    public static void RequireLittleEndian()
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("the netlink message builder assumes a little-endian host");
        }
    }

    /// <summary>RTM_NEWLINK for <paramref name="ifIndex"/> that sets IFF_UP and changes nothing else; returns the length.</summary>
    public static int WriteLinkUp(Span<byte> destination, uint sequence, int ifIndex)
    {
        const int length = HeaderBytes + IfInfoBytes;
        Span<byte> message = destination[..length];
        message.Clear();
        WriteHeader(message, length, RtmNewLink, NlmFRequest | NlmFAck, sequence);
        Span<byte> body = message[HeaderBytes..];
        body[0] = 0; // AF_UNSPEC
        BinaryPrimitives.WriteInt32LittleEndian(body[4..], ifIndex);
        BinaryPrimitives.WriteUInt32LittleEndian(body[8..], IffUp); // ifi_flags
        BinaryPrimitives.WriteUInt32LittleEndian(body[12..], IffUp); // ifi_change: only this bit
        return length;
    }

    /// <summary>
    /// RTM_NEWROUTE (create or replace) of the IPv4 default route through <paramref name="ifIndex"/> with preferred
    /// source <paramref name="preferredSource"/> (4 bytes, network order), as <c>ip route replace default dev … src …</c>
    /// sends it: main table, boot protocol, link scope, unicast. Returns the length.
    /// </summary>
    public static int WriteDefaultRouteReplace(Span<byte> destination, uint sequence, int ifIndex, ReadOnlySpan<byte> preferredSource)
    {
        if (preferredSource.Length != 4)
        {
            throw new ArgumentException("an IPv4 address is 4 bytes", nameof(preferredSource));
        }

        const int length = HeaderBytes + RtMsgBytes + 8 + 8; // two 4-byte attributes with their 4-byte headers
        Span<byte> message = destination[..length];
        message.Clear();
        WriteHeader(message, length, RtmNewRoute, NlmFRequest | NlmFAck | NlmFCreate | NlmFReplace, sequence);
        Span<byte> body = message[HeaderBytes..];
        body[0] = AfInet;
        body[1] = 0; // rtm_dst_len: default route
        body[4] = RtTableMain;
        body[5] = RtProtBoot;
        body[6] = RtScopeLink;
        body[7] = RtnUnicast;
        Span<byte> attributes = body[RtMsgBytes..];
        // Same attribute order as iproute2 (source, then device), so a capture of `ip route replace` matches byte for byte.
        WriteAttributeHeader(attributes, 8, RtaPrefSrc);
        preferredSource.CopyTo(attributes[4..]);
        WriteAttributeHeader(attributes[8..], 8, RtaOif);
        BinaryPrimitives.WriteInt32LittleEndian(attributes[12..], ifIndex);
        return length;
    }

    /// <summary>
    /// Reads the kernel's answer to request <paramref name="sequence"/>: 0 for an acknowledgement, the positive errno
    /// of a refusal. Throws <see cref="InvalidDataException"/> for anything else (truncated, another sequence, not an
    /// NLMSG_ERROR): the set-up must not be reported done on an answer it did not understand.
    /// </summary>
    public static int ReadAck(ReadOnlySpan<byte> answer, uint sequence)
    {
        if (answer.Length < HeaderBytes + ErrorBodyBytes)
        {
            throw new InvalidDataException($"netlink answer too short ({answer.Length} bytes)");
        }

        uint length = BinaryPrimitives.ReadUInt32LittleEndian(answer);
        ushort type = BinaryPrimitives.ReadUInt16LittleEndian(answer[4..]);
        uint answerSequence = BinaryPrimitives.ReadUInt32LittleEndian(answer[8..]);
        if (length < HeaderBytes + ErrorBodyBytes || length > answer.Length)
        {
            throw new InvalidDataException($"netlink answer length {length} does not fit the {answer.Length} bytes received");
        }

        if (type != NlmsgError)
        {
            throw new InvalidDataException($"netlink answer of type {type}, expected an acknowledgement (NLMSG_ERROR)");
        }

        if (answerSequence != sequence)
        {
            throw new InvalidDataException($"netlink answer for request {answerSequence}, expected {sequence}");
        }

        int error = BinaryPrimitives.ReadInt32LittleEndian(answer[HeaderBytes..]);
        if (error > 0 || error == int.MinValue)
        {
            throw new InvalidDataException($"netlink acknowledgement with invalid error code {error}");
        }

        return -error;
    }

    private static void WriteHeader(Span<byte> message, int length, ushort type, ushort flags, uint sequence)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(message, (uint)length);
        BinaryPrimitives.WriteUInt16LittleEndian(message[4..], type);
        BinaryPrimitives.WriteUInt16LittleEndian(message[6..], flags);
        BinaryPrimitives.WriteUInt32LittleEndian(message[8..], sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(message[12..], 0); // nlmsg_pid: 0 = to the kernel
    }

    private static void WriteAttributeHeader(Span<byte> attribute, ushort length, ushort type)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(attribute, length);
        BinaryPrimitives.WriteUInt16LittleEndian(attribute[2..], type);
    }
}
