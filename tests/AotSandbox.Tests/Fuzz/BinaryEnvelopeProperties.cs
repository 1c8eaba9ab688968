using System.Buffers;
using System.Text;
using AotSandbox.Emulator.DataPlane;
using AotSandbox.Protocol;
using CsCheck;

namespace AotSandbox.Tests.Fuzz;

/// <summary>
/// The file.binary envelope (docs/PROTOCOL.md §4.7) between the two independent implementations: the emulator's
/// parser (the side that must refuse) never throws and agrees with the SDK's splitter on every input, and what each
/// side writes is read back exactly by the other.
/// </summary>
public sealed class BinaryEnvelopeProperties
{
    // Real envelopes as seeds for mutation: a client write, a server range, and edge lengths.
    private static readonly byte[][] Seeds =
    [
        [0xB1, 0, 0, 2, (byte)'{', (byte)'}'],
        [0xB1, 0, 0, 2, (byte)'{', (byte)'}', 1, 2, 3],
        [0xB1, 0, 0, 23, .. "{\"type\":\"file.write\"}  "u8, 0xFF, 0x00],
        [0xB1, 0, 0x80, 0x00, 1, 2],
    ];

    private static readonly Gen<byte[]> Messages = Gen.OneOf(
        FuzzSupport.Bytes.Select(b => (byte[])[0xB1, .. b]),
        FuzzSupport.Bytes,
        Gen.OneOf(Seeds).SelectMany(FuzzSupport.Mutate));

    // Strings UTF-8 can carry (a lone surrogate has no round trip on any UTF-8 wire).
    private static readonly Gen<string> Text = Gen.OneOf(
        Gen.String,
        Gen.OneOf("", "\0", "\"", "\\", "é", "😀", "a\r\nb", "../../etc/passwd"))
        .Where(s => s == Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(s)));

    [Fact]
    public void EmulatorParser_NeverThrows_AndAgreesWithTheSdkSplitter_OnAnySegmentation() =>
        Gen.Select(Messages, Gen.Int.Array[0, 4]).Sample((message, cuts) =>
        {
            string? problem = BinaryFileEnvelope.TryParse(message, out Range header, out Range data);
            bool split = BinaryFileFrame.TrySplit(FuzzSupport.Split(message, cuts), out ReadOnlySequence<byte> sdkHeader, out ReadOnlySequence<byte> sdkData);

            Assert.Equal(problem is null, split);
            if (split)
            {
                Assert.Equal(message[header], sdkHeader.ToArray());
                Assert.Equal(message[data], sdkData.ToArray());
                Assert.Equal(message.Length, BinaryFileEnvelope.PrefixLength + message[header].Length + message[data].Length);
            }
        }, iter: FuzzSupport.Iterations);

    [Fact]
    public void SdkWriteEnvelope_IsReadBackExactly_ByTheEmulator() =>
        Gen.Select(Text, Text, Gen.Byte.Array[0, 300], Gen.Long[0, long.MaxValue], Gen.Bool).Sample((id, path, data, offset, ranged) =>
        {
            using var builder = new FrameBuilder();
            builder.Buffer.Advance(BinaryFileFrame.PrefixLength);
            ClientFrameWriter.WriteFileWriteHeader(builder.Writer, id, path, ranged ? offset : null);
            Assert.True(builder.CompleteEnvelopeHead());
            byte[] message = [.. builder.Buffer.WrittenMemory.Span, .. data];

            Assert.True(BinaryFileEnvelope.IsEnvelope(message));
            Assert.Null(BinaryFileEnvelope.TryParse(message, out Range header, out Range body));
            ClientFrame? frame = ClientFrameParser.Parse(message.AsSpan()[header]);
            Assert.NotNull(frame);
            Assert.Equal((ClientFrameType.FileWrite, id, path, ranged ? offset : (long?)null, (byte[]?)null, (string?)null, (string?)null),
                (frame.Type, frame.ExecId, frame.Path, frame.Offset, frame.Content, frame.Encoding, frame.InvalidField));
            Assert.Equal(data, message[body]);
        }, iter: FuzzSupport.Iterations / 4);

    [Fact]
    public void EmulatorContentEnvelope_IsReadBackExactly_ByTheSdk() =>
        Gen.Select(Gen.String[0, 128].Where(id => id == Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(id))), Gen.Long[0, long.MaxValue / 2], Gen.Long[0, long.MaxValue / 2], Gen.Int[0, 600], Gen.Bool, Gen.Int.Array[0, 3])
            .Sample((id, offset, size, count, ranged, cuts) =>
        {
            byte[] buffer = new byte[BinaryFileContent.HeaderReserve + count];
            Random.Shared.NextBytes(buffer.AsSpan(BinaryFileContent.HeaderReserve));
            int start = BinaryFileContent.WriteHead(buffer, id, ranged ? new FileRange(offset, size) : null, count);
            byte[] message = buffer[start..];

            Assert.True(BinaryFileFrame.TrySplit(FuzzSupport.Split(message, cuts), out ReadOnlySequence<byte> header, out ReadOnlySequence<byte> data));
            byte[] scratch = [];
            Assert.True(ServerFrameReader.TryRead(header, ref scratch, out ServerFrame frame));
            Assert.Equal((FrameType.FileContent, id), (frame.Type, frame.ExecId.GetString()));
            (long?, long?, bool?) expected = ranged ? (offset, size, offset + count >= size) : (null, null, null);
            Assert.Equal(expected, (frame.Offset, frame.Size, frame.Eof));
            Assert.Equal(buffer[BinaryFileContent.HeaderReserve..], data.ToArray());
        }, iter: FuzzSupport.Iterations / 4);
}
