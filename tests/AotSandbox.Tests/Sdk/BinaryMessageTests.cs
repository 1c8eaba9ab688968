using System.Text;
using AotSandbox.Tests.Sdk.Fakes;
using AotSandbox.Transport;

namespace AotSandbox.Tests.Sdk;

/// <summary>
/// Found by the server-frame fuzz property: binary messages skip the transport's UTF-8 check, and invalid UTF-8 in a
/// name of file.entries made the JSON reader throw inside the receive loop, which ended the whole session.
/// </summary>
public sealed class BinaryMessageTests
{
    [Fact]
    public async Task BinaryMessageWithInvalidUtf8_IsIgnored_TheSessionLivesOn()
    {
        (Sandbox sandbox, InMemoryTransport transport) = await TestSandbox.ConnectedAsync();
        Task<IReadOnlyList<FileEntry>> list = sandbox.ListFilesAsync(".");
        string id = TestSandbox.ExecIdOf(await transport.NextSentAsync());
        byte[] poisoned = Encoding.UTF8.GetBytes($"{{\"type\":\"file.entries\",\"execId\":\"{id}\",\"entries\":[{{\"name\":\"a\\u0041XX\"}}]}}");
        int bad = Array.IndexOf(poisoned, (byte)'X');
        poisoned[bad] = 0xE2; // a truncated 3-byte sequence
        poisoned[bad + 1] = 0x28;
        transport.InboundKind = TransportMessageKind.Binary;
        transport.Enqueue(poisoned);
        transport.InboundKind = TransportMessageKind.Text;
        await Task.Delay(50);
        Assert.True(sandbox.IsConnected);
        Assert.False(list.IsCompleted);
        transport.Enqueue($"{{\"type\":\"file.entries\",\"execId\":\"{id}\",\"entries\":[{{\"name\":\"ok\"}}]}}");
        Assert.Equal("ok", Assert.Single(await list).Name);
    }

    [Fact]
    public async Task ValidBinaryMessage_IsStillDispatched()
    {
        (Sandbox sandbox, InMemoryTransport transport) = await TestSandbox.ConnectedAsync();
        Task<IReadOnlyList<FileEntry>> list = sandbox.ListFilesAsync(".");
        string id = TestSandbox.ExecIdOf(await transport.NextSentAsync());
        transport.InboundKind = TransportMessageKind.Binary;
        transport.Enqueue($"{{\"type\":\"file.entries\",\"execId\":\"{id}\",\"entries\":[{{\"name\":\"é\"}}]}}");
        Assert.Equal("é", Assert.Single(await list).Name);
    }
}

/// <summary>Found by tests/AotSandbox.Fuzz (server-frame target): an escaped lone surrogate made decoding throw in the receive loop.</summary>
public sealed class LoneSurrogateTests
{
    [Fact]
    public async Task OutputWithALoneSurrogateEscape_DecodesToReplacementCharacter_TheSessionLivesOn()
    {
        (Sandbox sandbox, InMemoryTransport transport) = await TestSandbox.ConnectedAsync();
        ExecTask exec = sandbox.Exec("x");
        string id = TestSandbox.ExecIdOf(await transport.NextSentAsync());
        transport.Enqueue($"{{\"type\":\"exec.output\",\"execId\":\"{id}\",\"stream\":\"stdout\",\"data\":\"a\\ud83d\\u9999b\"}}");
        transport.Enqueue($"{{\"type\":\"error\",\"execId\":\"nope\",\"code\":\"\\udc00\",\"message\":\"\\ud800\"}}");
        transport.Enqueue($"{{\"type\":\"exec.exit\",\"execId\":\"{id}\",\"exitCode\":0}}");
        ExecResult result = await exec;
        // The lone high surrogate becomes U+FFFD (as invalid output bytes do on the emulator); the next escape decodes normally.
        Assert.Equal("a\uFFFD\u9999b", result.Stdout);
        Assert.True(sandbox.IsConnected);
    }
}

/// <summary>Found by tests/AotSandbox.Fuzz: a lone surrogate escape in a property name or the type made TryRead throw.</summary>
public sealed class LoneSurrogateFrameTests
{
    [Theory]
    [InlineData("{\"type\":\"file.entri\\ude00\",\"execId\":\"f\"}")]
    [InlineData("{\"type\\ud83d\":\"error\",\"execId\":\"e\"}")]
    public void FrameWithALoneSurrogateEscapeInAName_IsRejected_NotThrown(string json) =>
        Assert.False(AotSandbox.Protocol.ServerFrameReader.TryRead(Encoding.UTF8.GetBytes(json), out _));
}
