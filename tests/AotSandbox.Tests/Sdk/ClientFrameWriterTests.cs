using System.Text;
using System.Text.RegularExpressions;
using AotSandbox.Protocol;

namespace AotSandbox.Tests.Sdk;

/// <summary>Exact client frames (docs/PROTOCOL.md §3.4) and id format.</summary>
public sealed partial class ClientFrameWriterTests
{
    private static string Write(Action<System.Text.Json.Utf8JsonWriter> write)
    {
        using var builder = new FrameBuilder();
        write(builder.Writer);
        return Encoding.UTF8.GetString(builder.Complete().Span);
    }

    [Fact]
    public void Frames_HaveExactlyTheReferenceShape()
    {
        const string id = "exec-3f9c0a1b2c3d4e5f60718293";
        Assert.Equal("{\"type\":\"auth\",\"token\":\"tok\"}", Write(w => ClientFrameWriter.WriteAuth(w, "tok")));
        Assert.Equal($"{{\"type\":\"exec.run\",\"execId\":\"{id}\",\"command\":\"python --version\"}}", Write(w => ClientFrameWriter.WriteExecRun(w, id, "python --version", false)));
        Assert.Equal($"{{\"type\":\"exec.run\",\"execId\":\"{id}\",\"command\":\"npm run dev\",\"detached\":true}}", Write(w => ClientFrameWriter.WriteExecRun(w, id, "npm run dev", true)));
        Assert.Equal($"{{\"type\":\"exec.input\",\"execId\":\"{id}\",\"data\":\"line 1\\né\"}}", Write(w => ClientFrameWriter.WriteExecInput(w, id, "line 1\né".AsSpan())));
        Assert.Equal($"{{\"type\":\"exec.input\",\"execId\":\"{id}\",\"data\":\"YmluYXJ5\",\"encoding\":\"base64\"}}", Write(w => ClientFrameWriter.WriteExecInput(w, id, "binary"u8)));
        Assert.Equal($"{{\"type\":\"exec.endInput\",\"execId\":\"{id}\"}}", Write(w => ClientFrameWriter.WriteExecEndInput(w, id)));
        Assert.Equal($"{{\"type\":\"exec.kill\",\"execId\":\"{id}\",\"signal\":\"SIGTERM\"}}", Write(w => ClientFrameWriter.WriteExecKill(w, id, "SIGTERM")));
        Assert.Equal($"{{\"type\":\"exec.get\",\"execId\":\"{id}\"}}", Write(w => ClientFrameWriter.WriteExecGet(w, id, false)));
        Assert.Equal($"{{\"type\":\"exec.get\",\"execId\":\"{id}\",\"replay\":true}}", Write(w => ClientFrameWriter.WriteExecGet(w, id, true)));
        Assert.Equal("{\"type\":\"file.read\",\"execId\":\"file-1\",\"path\":\"hello.js\"}", Write(w => ClientFrameWriter.WriteFileRead(w, "file-1", "hello.js")));
        Assert.Equal("{\"type\":\"file.read\",\"execId\":\"file-1\",\"path\":\"a\",\"offset\":5,\"length\":524288}", Write(w => ClientFrameWriter.WriteFileRead(w, "file-1", "a", 5, 524288)));
        Assert.Equal("{\"type\":\"file.write\",\"execId\":\"file-1\",\"path\":\"hello.js\",\"content\":\"Y29uc29sZS5sb2coMSk=\",\"encoding\":\"base64\"}", Write(w => ClientFrameWriter.WriteFileWrite(w, "file-1", "hello.js", "console.log(1)"u8)));
        Assert.Equal("{\"type\":\"file.list\",\"execId\":\"file-1\",\"path\":\".\"}", Write(w => ClientFrameWriter.WriteFileList(w, "file-1", ".")));
    }

    [Fact]
    public void PtyFrames_HaveTheExtensionShape_AndParseOnTheServer()
    {
        const string id = "exec-3f9c0a1b2c3d4e5f60718293";
        string run = Write(w => ClientFrameWriter.WriteExecRunPty(w, id, "bash -l", 40, 120));
        string resize = Write(w => ClientFrameWriter.WriteExecResize(w, id, 30, 100));
        Assert.Equal($"{{\"type\":\"exec.run\",\"execId\":\"{id}\",\"command\":\"bash -l\",\"pty\":{{\"rows\":40,\"cols\":120}}}}", run);
        Assert.Equal($"{{\"type\":\"exec.resize\",\"execId\":\"{id}\",\"rows\":30,\"cols\":100}}", resize);

        var parsedRun = AotSandbox.Emulator.DataPlane.ClientFrameParser.Parse(Encoding.UTF8.GetBytes(run))!;
        Assert.True(parsedRun.PtyRequested);
        Assert.Equal((40L, 120L), (parsedRun.Rows!.Value, parsedRun.Cols!.Value));
        Assert.False(parsedRun.Detached);
        var parsedResize = AotSandbox.Emulator.DataPlane.ClientFrameParser.Parse(Encoding.UTF8.GetBytes(resize))!;
        Assert.Equal(AotSandbox.Emulator.DataPlane.ClientFrameType.ExecResize, parsedResize.Type);
        Assert.Equal((30L, 100L), (parsedResize.Rows!.Value, parsedResize.Cols!.Value));
    }

    [Fact]
    public void Ids_AreExecOrFilePlus24LowercaseHex_AndRoundTripThroughTheKey()
    {
        var seen = new HashSet<string>();
        for (int i = 0; i < 200; i++)
        {
            string exec = FrameId.NewExec().ToString();
            string file = FrameId.NewFile().ToString();
            Assert.Matches(ExecId(), exec);
            Assert.Matches(FileId(), file);
            Assert.True(seen.Add(exec));
            Assert.Equal(FrameId.From(exec), FrameId.From(exec));
            Assert.True(FrameId.From(exec).IsPacked);
            Assert.Equal(exec, FrameId.From(exec).ToString());
        }
    }

    [Fact]
    public void FrameId_NonCanonicalIds_CompareAsStrings()
    {
        Assert.False(FrameId.From("exec-d1e2f3a4").IsPacked);
        Assert.Equal(FrameId.From("exec-d1e2f3a4"), FrameId.From("exec-d1e2f3a4"));
        Assert.NotEqual(FrameId.From("exec-0123456789ABCDEF01234567"), FrameId.From("exec-0123456789abcdef01234567"));
        Assert.NotEqual(FrameId.From("file-0123456789abcdef01234567"), FrameId.From("exec-0123456789abcdef01234567"));
        var text = new JsonText(Encoding.UTF8.GetBytes("\"exec-0123456789abcdef01234567\""), false);
        Assert.Equal(FrameId.From("exec-0123456789abcdef01234567"), FrameId.From(text));
    }

    [GeneratedRegex("^exec-[0-9a-f]{24}$")]
    private static partial Regex ExecId();

    [GeneratedRegex("^file-[0-9a-f]{24}$")]
    private static partial Regex FileId();
}
