using System.Buffers;
using System.Text;
using AotSandbox.Protocol;

namespace AotSandbox.Tests.Sdk;

/// <summary>The frame reader is a pure function of bytes: every server frame type, escapes, missing fields, garbage.</summary>
public sealed class ServerFrameReaderTests
{
    private static byte[] U(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void ExecOutput_PlainData_IsAViewWithoutEscapes()
    {
        byte[] json = U("{\"type\":\"exec.output\",\"execId\":\"exec-0123456789abcdef01234567\",\"stream\":\"stderr\",\"data\":\"hello\"}");
        Assert.True(ServerFrameReader.TryRead(json, out ServerFrame f));
        Assert.Equal(FrameType.ExecOutput, f.Type);
        Assert.Equal("exec-0123456789abcdef01234567", f.ExecId.GetString());
        Assert.Equal(OutputStream.Stderr, f.Stream);
        Assert.False(f.Data.IsEscaped);
        Assert.Equal("hello", Encoding.UTF8.GetString(f.Data.Raw));
    }

    [Fact]
    public void ExecOutput_EscapedData_DecodesExactly()
    {
        byte[] json = U("{\"data\":\"a\\n\\u00e9\\\"\\\\\\ud83d\\ude00\",\"type\":\"exec.output\",\"execId\":\"e\"}");
        Assert.True(ServerFrameReader.TryRead(json, out ServerFrame f));
        Assert.True(f.Data.IsEscaped);
        byte[] buffer = new byte[f.Data.MaxLength];
        int n = f.Data.CopyTo(buffer);
        Assert.Equal("a\né\"\\😀", Encoding.UTF8.GetString(buffer, 0, n));
        Assert.Equal(OutputStream.Stdout, f.Stream); // missing stream means stdout
    }

    [Fact]
    public void ExecOutput_MissingData_IsEmpty()
    {
        Assert.True(ServerFrameReader.TryRead(U("{\"type\":\"exec.output\",\"execId\":\"e\",\"stream\":\"weird\"}"), out ServerFrame f));
        Assert.False(f.Data.IsPresent);
        Assert.Equal(0, f.Data.Raw.Length);
        Assert.Equal(OutputStream.Stdout, f.Stream);
    }

    [Fact]
    public void ExecExit_ReadsExitCode_AndMissingCodeIsNull()
    {
        Assert.True(ServerFrameReader.TryRead(U("{\"type\":\"exec.exit\",\"execId\":\"e\",\"exitCode\":143}"), out ServerFrame f));
        Assert.Equal(FrameType.ExecExit, f.Type);
        Assert.Equal(143, f.ExitCode);
        Assert.True(ServerFrameReader.TryRead(U("{\"type\":\"exec.exit\",\"execId\":\"e\",\"exitCode\":null}"), out f));
        Assert.Null(f.ExitCode);
    }

    [Fact]
    public void ExecDetachedAndInfo_ReadPidStartedAtCommandDetached()
    {
        Assert.True(ServerFrameReader.TryRead(U("{\"type\":\"exec.detached\",\"execId\":\"e\",\"pid\":9999,\"startedAt\":1234567890}"), out ServerFrame d));
        Assert.Equal(FrameType.ExecDetached, d.Type);
        Assert.Equal(9999, d.Pid);
        Assert.Equal(1234567890d, d.StartedAt);
        Assert.True(ServerFrameReader.TryRead(
            U("{\"type\":\"exec.info\",\"execId\":\"e\",\"command\":\"npm run dev\",\"pid\":5678,\"startedAt\":1711036812000,\"detached\":true,\"exited\":false,\"replayTruncated\":true}"),
            out ServerFrame i));
        Assert.Equal(FrameType.ExecInfo, i.Type);
        Assert.Equal("npm run dev", i.Command.GetString());
        Assert.True(i.Detached);
        Assert.False(i.Exited);
        Assert.True(i.ReplayTruncated);
    }

    [Fact]
    public void FileFrames_ReadTheirFields()
    {
        Assert.True(ServerFrameReader.TryRead(U("{\"type\":\"file.content\",\"execId\":\"f\",\"content\":\"aGk=\",\"encoding\":\"base64\",\"offset\":0,\"size\":2,\"eof\":true}"), out ServerFrame c));
        Assert.Equal(FrameType.FileContent, c.Type);
        Assert.True(c.IsBase64);
        Assert.Equal("aGk=", c.Content.GetString());
        Assert.Equal((0L, 2L, true), (c.Offset!.Value, c.Size!.Value, c.Eof!.Value));

        Assert.True(ServerFrameReader.TryRead(U("{\"type\":\"file.writeResult\",\"execId\":\"f\",\"path\":\"/app/script.js\",\"size\":11,\"ok\":true}"), out ServerFrame w));
        Assert.Equal((FrameType.FileWriteResult, "/app/script.js", 11L, true), (w.Type, w.Path.GetString(), w.Size!.Value, w.Ok!.Value));

        Assert.True(ServerFrameReader.TryRead(U("{\"type\":\"file.entries\",\"execId\":\"f\",\"entries\":[{\"name\":\"hello.js\",\"type\":\"file\",\"size\":42,\"x\":[1]},{\"name\":\"src\",\"type\":\"directory\"},{\"type\":\"file\"}]}"), out ServerFrame e));
        List<FileEntry> entries = FileEntriesParser.Parse(e.Entries);
        Assert.Equal(2, entries.Count);
        Assert.Equal(("hello.js", "file", 42L, false), (entries[0].Name, entries[0].Type, entries[0].Size!.Value, entries[0].IsDirectory));
        Assert.True(entries[1].IsDirectory);
        Assert.Null(entries[1].Size);
    }

    [Fact]
    public void Error_ReadsCodeAndMessage()
    {
        Assert.True(ServerFrameReader.TryRead(U("{\"type\":\"error\",\"execId\":\"exec-gone\",\"code\":\"NOT_FOUND\",\"message\":\"no running process for execId\"}"), out ServerFrame f));
        Assert.Equal(FrameType.Error, f.Type);
        Assert.Equal("NOT_FOUND", f.Code.GetString());
        Assert.Equal("no running process for execId", f.Message.GetString());
    }

    [Fact]
    public void AuthOk_AndUnknownType_AndUnknownFields()
    {
        Assert.True(ServerFrameReader.TryRead(U("{\"type\":\"auth.ok\",\"sandboxId\":\"sb-1\",\"extra\":{\"a\":[1,{\"b\":2}]}}"), out ServerFrame a));
        Assert.Equal(FrameType.AuthOk, a.Type);
        Assert.Equal("sb-1", a.SandboxId.GetString());
        Assert.True(ServerFrameReader.TryRead(U("{\"type\":\"exec.future\",\"execId\":\"e\"}"), out ServerFrame u));
        Assert.Equal(FrameType.Unknown, u.Type);
        Assert.Equal("exec.future", u.TypeName.GetString());
    }

    [Fact]
    public void WrongValueKinds_AreIgnoredNotFatal()
    {
        Assert.True(ServerFrameReader.TryRead(U("{\"type\":\"exec.exit\",\"execId\":{\"x\":1},\"exitCode\":\"0\",\"pid\":[1],\"data\":null}"), out ServerFrame f));
        Assert.False(f.ExecId.IsPresent);
        Assert.Null(f.ExitCode);
        Assert.Null(f.Pid);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("")]
    [InlineData("[1,2]")]
    [InlineData("\"exec.output\"")]
    [InlineData("{\"execId\":\"e\"}")]
    [InlineData("{\"type\":42}")]
    [InlineData("{\"type\":\"exec.output\"")]
    [InlineData("{\"type\":\"exec.output\",}")]
    public void Garbage_IsRejected(string json) => Assert.False(ServerFrameReader.TryRead(U(json), out _));

    [Fact]
    public void MultiSegmentMessage_IsParsedViaScratchCopy()
    {
        byte[] json = U("{\"type\":\"exec.output\",\"execId\":\"e\",\"data\":\"split across\"}");
        ReadOnlySequence<byte> sequence = Segments.Split(json, 7);
        byte[] scratch = [];
        Assert.True(ServerFrameReader.TryRead(sequence, ref scratch, out ServerFrame f));
        Assert.Equal("split across", f.Data.GetString());
    }

    [Theory]
    [InlineData(1711036812d, 1711036812000L)]
    [InlineData(1711036812000d, 1711036812000L)]
    [InlineData(100d, 100000L)]
    public void StartedAt_AcceptsSecondsAndMilliseconds(double value, long expectedMs)
        => Assert.Equal(expectedMs, AotSandbox.Session.SandboxSession.StartedAt(value)!.Value.ToUnixTimeMilliseconds());

    private sealed class Segments : ReadOnlySequenceSegment<byte>
    {
        private Segments(ReadOnlyMemory<byte> memory, long index)
        {
            Memory = memory;
            RunningIndex = index;
        }

        public static ReadOnlySequence<byte> Split(byte[] data, int at)
        {
            var first = new Segments(data.AsMemory(0, at), 0);
            var second = new Segments(data.AsMemory(at), at);
            first.Next = second;
            return new ReadOnlySequence<byte>(first, 0, second, second.Memory.Length);
        }
    }
}
