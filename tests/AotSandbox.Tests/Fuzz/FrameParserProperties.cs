using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using AotSandbox.Emulator.DataPlane;
using AotSandbox.Protocol;
using CsCheck;

namespace AotSandbox.Tests.Fuzz;

/// <summary>
/// Both ends of the JSON data plane: the SDK's server-frame reader and the emulator's client-frame parser, on
/// arbitrary bytes, mutated real frames and writer output.
/// </summary>
public sealed class FrameParserProperties
{
    private static readonly string[] ServerSeeds =
    [
        "{\"type\":\"auth.ok\",\"sandboxId\":\"sb-1\",\"protocolVersion\":\"1.0\",\"extensions\":[\"exec.replay\"]}",
        "{\"type\":\"exec.output\",\"execId\":\"e\",\"stream\":\"stdout\",\"data\":\"a\\u00e9\\n\"}",
        "{\"type\":\"exec.exit\",\"execId\":\"e\",\"exitCode\":137}",
        "{\"type\":\"exec.detached\",\"execId\":\"e\",\"pid\":42,\"startedAt\":1700000000.5}",
        "{\"type\":\"exec.info\",\"execId\":\"e\",\"command\":\"sleep 1\",\"detached\":true,\"exited\":false,\"replayTruncated\":true}",
        "{\"type\":\"file.content\",\"execId\":\"f\",\"path\":\"a\",\"content\":\"aGk=\",\"encoding\":\"base64\",\"size\":2,\"offset\":0,\"eof\":true}",
        "{\"type\":\"file.entries\",\"execId\":\"f\",\"path\":\".\",\"entries\":[{\"name\":\"a\",\"type\":\"file\",\"size\":1},{\"name\":\"d\",\"type\":\"directory\"}]}",
        "{\"type\":\"error\",\"execId\":\"e\",\"code\":\"not_found\",\"message\":\"no\"}",
        "{\"type\":\"exec.output\",\"execId\":\"e\",\"stream\":\"stdout\",\"data\":\"\\ud83d\\ude00\\u0041\"}",
    ];

    private static readonly string[] ClientSeeds =
    [
        "{\"type\":\"auth\",\"token\":\"t\"}",
        "{\"type\":\"exec.run\",\"execId\":\"e\",\"command\":\"ls\",\"detached\":true}",
        "{\"type\":\"exec.input\",\"execId\":\"e\",\"data\":\"aGk=\",\"encoding\":\"base64\"}",
        "{\"type\":\"exec.kill\",\"execId\":\"e\",\"signal\":9}",
        "{\"type\":\"exec.get\",\"execId\":\"e\",\"replay\":true}",
        "{\"type\":\"file.read\",\"execId\":\"f\",\"path\":\"a\",\"offset\":1048576,\"length\":524288}",
        "{\"type\":\"file.write\",\"execId\":\"f\",\"path\":\"a\",\"content\":\"aGk=\",\"encoding\":\"base64\",\"offset\":3}",
    ];

    // Strings UTF-8 can carry: a lone surrogate is replaced by U+FFFD on any UTF-8 wire, so it has no round trip.
    private static readonly Gen<string> Text = Gen.OneOf(
        Gen.String,
        Gen.Char.Array[0, 40].Select(c => new string(c)),
        Gen.OneOf("", "\0", "\"", "\\", "\u2028", "é", "😀", "a\r\nb", "../../etc/passwd"))
        .Where(s => s == Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(s)));

    [Fact]
    public void ServerFrameReader_NeverThrows_AndIsSplitInvariant() =>
        Gen.Select(FuzzSupport.SeededOrRandom(ServerSeeds), Gen.Int.Array[0, 5]).Sample((input, cuts) =>
        {
            // The session only decodes UTF-8-valid messages (the transport checks text, the session checks binary);
            // for other bytes the reader itself must still neither throw nor depend on segmentation.
            bool valid = Utf8.IsValid(input);
            bool whole = ServerFrameReader.TryRead(input, out ServerFrame a);
            string? summaryA = whole ? (valid ? Summary(ref a) : a.Type.ToString()) : null;
            byte[] scratch = [];
            bool split = ServerFrameReader.TryRead(FuzzSupport.Split(input, cuts), ref scratch, out ServerFrame b);
            Assert.Equal(whole, split);
            if (whole)
            {
                Assert.Equal(summaryA, valid ? Summary(ref b) : b.Type.ToString());
            }
        }, iter: FuzzSupport.Iterations);

    [Fact]
    public void ClientFrameParser_NeverThrows_OnArbitraryOrMutatedBytes() =>
        FuzzSupport.SeededOrRandom(ClientSeeds).Sample(input =>
        {
            ClientFrame? frame = ClientFrameParser.Parse(input);
            if (frame is not null)
            {
                Assert.NotNull(frame.TypeName);
            }
        }, iter: FuzzSupport.Iterations);

    [Fact]
    public void ClientFrameWriter_RoundTripsThroughTheEmulatorParser() =>
        Gen.Select(Text, Text, Gen.Byte.Array[0, 64], Gen.Bool, Gen.Long[0, long.MaxValue], Gen.Int[0, int.MaxValue]).Sample((id, text, bytes, flag, offset, length) =>
        {
            ClientFrame run = Write(w => ClientFrameWriter.WriteExecRun(w, id, text, flag));
            Assert.Equal((ClientFrameType.ExecRun, id, text, flag), (run.Type, run.ExecId, run.Command, run.Detached));

            ClientFrame auth = Write(w => ClientFrameWriter.WriteAuth(w, text));
            Assert.Equal(text, auth.Token);

            ClientFrame input = Write(w => ClientFrameWriter.WriteExecInput(w, id, bytes));
            Assert.Equal(id, input.ExecId);
            Assert.Equal(bytes, input.Encoding == "base64" ? Convert.FromBase64String(input.Data!) : Encoding.UTF8.GetBytes(input.Data!));

            ClientFrame write = Write(w => ClientFrameWriter.WriteFileWrite(w, id, text, bytes, flag ? offset : null));
            Assert.Equal((text, Convert.ToBase64String(bytes), flag ? offset : (long?)null), (write.Path, Encoding.UTF8.GetString(write.Content!), write.Offset));

            ClientFrame read = Write(w => ClientFrameWriter.WriteFileRead(w, id, text, offset, length));
            Assert.Equal((text, offset, (long?)length), (read.Path, read.Offset, read.Length));

            ClientFrame get = Write(w => ClientFrameWriter.WriteExecGet(w, id, flag));
            Assert.Equal((ClientFrameType.ExecGet, flag), (get.Type, get.Replay));

            ClientFrame kill = Write(w => ClientFrameWriter.WriteExecKill(w, id, text));
            Assert.Equal(text, kill.Signal);
        }, iter: FuzzSupport.Iterations / 4);

    private static ClientFrame Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        ClientFrame? frame = ClientFrameParser.Parse(buffer.WrittenSpan);
        Assert.True(frame is not null, Encoding.UTF8.GetString(buffer.WrittenSpan));
        Assert.Null(frame.InvalidField);
        return frame;
    }

    /// <summary>Every field decoded (so lazy decoding is exercised too), as one comparable string.</summary>
    private static string Summary(ref ServerFrame f)
    {
        var s = new StringBuilder();
        s.Append(f.Type).Append('|').Append(f.TypeName.GetString()).Append('|').Append(f.ExecId.GetString()).Append('|').Append(f.SandboxId.GetString())
            .Append('|').Append(f.Stream).Append('|').Append(f.Data.GetString()).Append('|').Append(f.ExitCode).Append('|').Append(f.Pid)
            .Append('|').Append(f.StartedAt).Append('|').Append(f.Command.GetString()).Append('|').Append(f.Detached).Append('|').Append(f.Exited)
            .Append('|').Append(f.ReplayTruncated).Append('|').Append(f.Path.GetString()).Append('|').Append(f.Content.GetString())
            .Append('|').Append(f.Encoding.GetString()).Append('|').Append(f.Size).Append('|').Append(f.Ok).Append('|').Append(f.Offset)
            .Append('|').Append(f.Eof).Append('|').Append(f.Code.GetString()).Append('|').Append(f.Message.GetString());
        byte[] data = new byte[f.Data.MaxLength];
        s.Append('|').Append(Convert.ToHexString(data.AsSpan(0, f.Data.CopyTo(data))));
        if (f.Type == FrameType.FileEntries)
        {
            try
            {
                foreach (FileEntry entry in FileEntriesParser.Parse(f.Entries))
                {
                    s.Append('|').Append(entry.Name).Append(entry.Type).Append(entry.Size);
                }
            }
            catch (JsonException)
            {
                s.Append("|entries:invalid");
            }
        }

        return s.ToString();
    }
}
