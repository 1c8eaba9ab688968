using System.Buffers.Binary;
using AotSandbox.Emulator.Network;

namespace AotSandbox.Tests.Network;

/// <summary>
/// The hand-built rtnetlink requests against what iproute2 itself sends for the same commands (captured with
/// <c>strace -xx ip -n NS link set lo up</c> and <c>… route replace default dev lo src 127.0.0.1</c> on Debian 12,
/// sequence numbers replaced), and the acknowledgement reader against well-formed and hostile answers.
/// </summary>
public class RtNetlinkMessagesTests
{
    [Fact]
    public void LinkUp_MatchesIproute2()
    {
        byte[] expected =
        [
            32, 0, 0, 0, 0x10, 0, 0x05, 0, 7, 0, 0, 0, 0, 0, 0, 0, // len 32, RTM_NEWLINK, REQUEST|ACK, seq 7, pid 0
            0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, // AF_UNSPEC, index 1, flags IFF_UP, change IFF_UP
        ];
        var buffer = new byte[RtNetlinkMessages.MaxRequestBytes];
        int length = RtNetlinkMessages.WriteLinkUp(buffer, 7, RtNetlinkMessages.LoopbackIndex);
        Assert.Equal(expected, buffer[..length]);
    }

    [Fact]
    public void DefaultRouteReplace_MatchesIproute2()
    {
        byte[] expected =
        [
            44, 0, 0, 0, 0x18, 0, 0x05, 0x05, 9, 0, 0, 0, 0, 0, 0, 0, // len 44, RTM_NEWROUTE, REQUEST|ACK|REPLACE|CREATE, seq 9
            2, 0, 0, 0, 0xfe, 3, 0xfd, 1, 0, 0, 0, 0, // AF_INET, /0, main table, boot, link scope, unicast
            8, 0, 7, 0, 127, 0, 0, 1, // RTA_PREFSRC 127.0.0.1
            8, 0, 4, 0, 1, 0, 0, 0, // RTA_OIF 1
        ];
        var buffer = new byte[RtNetlinkMessages.MaxRequestBytes];
        buffer.AsSpan().Fill(0xAA); // stale bytes must not leak into padding or reserved fields
        int length = RtNetlinkMessages.WriteDefaultRouteReplace(buffer, 9, 1, [127, 0, 0, 1]);
        Assert.Equal(expected, buffer[..length]);
    }

    [Fact]
    public void DefaultRouteReplace_RefusesANonIpv4Source() =>
        Assert.Throws<ArgumentException>(() => RtNetlinkMessages.WriteDefaultRouteReplace(new byte[64], 1, 1, [127, 0, 0]));

    [Theory]
    [InlineData(0, 0)]
    [InlineData(-1, 1)] // EPERM
    [InlineData(-17, 17)] // EEXIST
    public void ReadAck_ReturnsTheErrno(int kernelError, int errno) =>
        Assert.Equal(errno, RtNetlinkMessages.ReadAck(Ack(3, kernelError), 3));

    [Fact]
    public void ReadAck_AcceptsTheEchoedRequestAfterAnError()
    {
        // Without NETLINK_CAP_ACK the kernel appends the refused request to the error: longer, still one answer.
        byte[] answer = [.. Ack(5, -1), .. new byte[32]];
        BinaryPrimitives.WriteUInt32LittleEndian(answer, (uint)answer.Length);
        Assert.Equal(1, RtNetlinkMessages.ReadAck(answer, 5));
    }

    [Fact]
    public void ReadAck_RefusesWhatIsNotTheAcknowledgementOfThisRequest()
    {
        Assert.Throws<InvalidDataException>(() => RtNetlinkMessages.ReadAck(Ack(3, 0)[..20], 3)); // truncated
        Assert.Throws<InvalidDataException>(() => RtNetlinkMessages.ReadAck(Ack(4, 0), 3)); // another request's

        byte[] wrongType = Ack(3, 0);
        BinaryPrimitives.WriteUInt16LittleEndian(wrongType.AsSpan(4), 3); // NLMSG_DONE
        Assert.Throws<InvalidDataException>(() => RtNetlinkMessages.ReadAck(wrongType, 3));

        byte[] overlong = Ack(3, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(overlong, 1000); // claims more than was received
        Assert.Throws<InvalidDataException>(() => RtNetlinkMessages.ReadAck(overlong, 3));

        Assert.Throws<InvalidDataException>(() => RtNetlinkMessages.ReadAck(Ack(3, 5), 3)); // errors are negative
        Assert.Throws<InvalidDataException>(() => RtNetlinkMessages.ReadAck(Ack(3, int.MinValue), 3));
    }

    private static byte[] Ack(uint sequence, int error)
    {
        var answer = new byte[36];
        BinaryPrimitives.WriteUInt32LittleEndian(answer, 36);
        BinaryPrimitives.WriteUInt16LittleEndian(answer.AsSpan(4), RtNetlinkMessages.NlmsgError);
        BinaryPrimitives.WriteUInt32LittleEndian(answer.AsSpan(8), sequence);
        BinaryPrimitives.WriteInt32LittleEndian(answer.AsSpan(16), error);
        return answer;
    }
}
