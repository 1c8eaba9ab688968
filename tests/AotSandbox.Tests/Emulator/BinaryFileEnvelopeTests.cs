using System.Text;
using System.Text.Json;
using AotSandbox.Emulator.DataPlane;

namespace AotSandbox.Tests.Emulator;

/// <summary>The emulator's side of the file.binary envelope (docs/PROTOCOL.md §4.7): every prefix field is checked.</summary>
public sealed class BinaryFileEnvelopeTests
{
    private static byte[] Envelope(string header, byte[] data, byte marker = 0xB1, byte reserved = 0, int? declared = null)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        int length = declared ?? json.Length;
        return [marker, reserved, (byte)(length >> 8), (byte)length, .. json, .. data];
    }

    [Fact]
    public void WellFormed_SplitsHeaderAndData()
    {
        byte[] message = Envelope("{\"type\":\"file.write\"}", [1, 2, 3]);

        Assert.Null(BinaryFileEnvelope.TryParse(message, out Range header, out Range data));
        Assert.Equal("{\"type\":\"file.write\"}", Encoding.UTF8.GetString(message.AsSpan()[header]));
        Assert.Equal(new byte[] { 1, 2, 3 }, message.AsSpan()[data].ToArray());
    }

    [Fact]
    public void EmptyData_IsAWellFormedEnvelope()
    {
        byte[] message = Envelope("{}", []);

        Assert.Null(BinaryFileEnvelope.TryParse(message, out _, out Range data));
        Assert.Equal(0, data.GetOffsetAndLength(message.Length).Length);
    }

    public static TheoryData<byte[], string> Broken => new()
    {
        { [], "shorter than its 4-byte prefix" },
        { [0xB1, 0, 0], "shorter than its 4-byte prefix" },
        { Envelope("{}", [], marker: (byte)'{'), "without the 0xB1 marker" },
        { Envelope("{}", [], reserved: 1), "non-zero reserved byte" },
        { Envelope("{}", [], declared: 0), "header length 0 outside 2..32768" },
        { Envelope("{}", [], declared: 1), "header length 1 outside 2..32768" },
        { Envelope("{}", [], declared: 32769), "header length 32769 outside" },
        { Envelope("{}", [], declared: 65535), "header length 65535 outside" },
        { Envelope("{}", [9, 9], declared: 5), "beyond the message's 4 bytes" },
        { [0xB1, 0, 0, 4, (byte)'"', 0xC3, 0x28, (byte)'"'], "not valid UTF-8" },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void BrokenPrefix_IsRefused_NamingTheProblem(byte[] message, string problem)
    {
        string? refused = BinaryFileEnvelope.TryParse(message, out _, out _);

        Assert.NotNull(refused);
        Assert.Contains(problem, refused, StringComparison.Ordinal);
    }

    [Fact]
    public void IsEnvelope_OnlyForTheMarker_NeverForJson()
    {
        Assert.True(BinaryFileEnvelope.IsEnvelope([0xB1]));
        Assert.False(BinaryFileEnvelope.IsEnvelope("{\"type\":\"auth\"}"u8));
        Assert.False(BinaryFileEnvelope.IsEnvelope(" {}"u8));
        Assert.False(BinaryFileEnvelope.IsEnvelope([]));
    }

    [Theory]
    [InlineData(0L, 10L, 10, true)]
    [InlineData(0L, 11L, 10, false)]
    [InlineData(524288L, 524290L, 2, true)]
    public void FileContentHead_EndsAtTheData_WithRangeFields(long offset, long size, int count, bool eof)
    {
        byte[] buffer = new byte[BinaryFileContent.HeaderReserve + count];
        buffer.AsSpan(BinaryFileContent.HeaderReserve).Fill(7);

        int start = BinaryFileContent.WriteHead(buffer, "file-0123", new FileRange(offset, size), count);

        byte[] message = buffer[start..];
        Assert.Null(BinaryFileEnvelope.TryParse(message, out Range header, out Range data));
        Assert.All(message[data], b => Assert.Equal(7, b));
        Assert.Equal(count, message[data].Length);
        using JsonDocument json = JsonDocument.Parse(message[header]);
        Assert.Equal("file.content", json.RootElement.GetProperty("type").GetString());
        Assert.Equal("file-0123", json.RootElement.GetProperty("execId").GetString());
        Assert.Equal(offset, json.RootElement.GetProperty("offset").GetInt64());
        Assert.Equal(size, json.RootElement.GetProperty("size").GetInt64());
        Assert.Equal(eof, json.RootElement.GetProperty("eof").GetBoolean());
    }

    [Fact]
    public void FileContentHead_WholeRead_HasNoRangeFields_AndTheLongestEscapedIdFits()
    {
        string id = new('\u0001', 128); // escaped as \u0001: 768 bytes, the worst an accepted execId can cost
        byte[] buffer = new byte[BinaryFileContent.HeaderReserve + 1];

        int start = BinaryFileContent.WriteHead(buffer, id, null, 1);

        Assert.Null(BinaryFileEnvelope.TryParse(buffer.AsSpan(start), out Range header, out _));
        using JsonDocument json = JsonDocument.Parse(buffer.AsSpan(start)[header].ToArray());
        Assert.Equal(id, json.RootElement.GetProperty("execId").GetString());
        Assert.False(json.RootElement.TryGetProperty("offset", out _));
        Assert.False(json.RootElement.TryGetProperty("eof", out _));
    }

    [Fact]
    public void ClientFrameParser_ReadsBinaryFlagOfFileRead()
    {
        ClientFrame? frame = ClientFrameParser.Parse("{\"type\":\"file.read\",\"execId\":\"f\",\"path\":\"a\",\"binary\":true}"u8);
        ClientFrame? wrongType = ClientFrameParser.Parse("{\"type\":\"file.read\",\"execId\":\"f\",\"path\":\"a\",\"binary\":1}"u8);

        Assert.True(frame!.Binary);
        Assert.Equal("binary", wrongType!.InvalidField);
    }
}
