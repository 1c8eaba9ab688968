using System.Text;
using System.Text.Json;
using AotSandbox.Emulator;
using AotSandbox.Emulator.DataPlane;
using AotSandbox.Emulator.Rest;

namespace AotSandbox.Tests.Emulator;

public sealed class BasicAuthenticatorTests
{
    private readonly BasicAuthenticator _auth = new([new EmulatorTenant("a", "uuid-a:secret-a"), new EmulatorTenant("b", "uuid-b:secret-b")]);

    private static string Header(string key) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(key));

    [Fact]
    public void Authenticate_EachKey_YieldsItsOwnNamespace()
    {
        Assert.Equal("a", _auth.Authenticate(Header("uuid-a:secret-a")));
        Assert.Equal("b", _auth.Authenticate(Header("uuid-b:secret-b")));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Bearer x")]
    [InlineData("Basic !!!")]
    [InlineData("Basic ")]
    public void Authenticate_MalformedHeader_IsNull(string? header) => Assert.Null(_auth.Authenticate(header));

    [Fact]
    public void Authenticate_WrongOrPrefixKey_IsNull()
    {
        Assert.Null(_auth.Authenticate(Header("uuid-a:secret-b")));
        Assert.Null(_auth.Authenticate(Header("uuid-a:secret-")));
        Assert.Null(_auth.Authenticate("Basic " + new string('A', 4000)));
    }
}

public sealed class SignalNamesTests
{
    [Theory]
    [InlineData("SIGTERM", 15)]
    [InlineData("sigkill", 9)]
    [InlineData("INT", 2)]
    [InlineData("SIGUSR2", 12)]
    [InlineData("64", 64)]
    [InlineData(null, 15)]
    [InlineData("", 15)]
    public void TryParse_KnownSpellings(string? name, int expected)
    {
        Assert.True(SignalNames.TryParse(name, out int number));
        Assert.Equal(expected, number);
    }

    [Theory]
    [InlineData("SIGBOGUS")]
    [InlineData("0")]
    [InlineData("65")]
    [InlineData("-9")]
    [InlineData("invalid")]
    public void TryParse_Unknown_IsFalse(string name) => Assert.False(SignalNames.TryParse(name, out _));
}

public sealed class ServerFramesTests
{
    [Fact]
    public void ExecInfo_WithoutReplay_HasExactlyTheProtocolFields()
    {
        using JsonDocument doc = JsonDocument.Parse(ServerFrames.ExecInfo("exec-1", "ls", 7, 1700000000000, true, null));
        Assert.Equal(["type", "execId", "command", "pid", "startedAt", "detached"], doc.RootElement.EnumerateObject().Select(p => p.Name).ToArray());
    }

    [Fact]
    public void ExecInfo_WithReplay_AddsExtensionFields()
    {
        using JsonDocument doc = JsonDocument.Parse(ServerFrames.ExecInfo("exec-1", "ls", 7, 1, true, new ReplayState(3, true)));
        Assert.True(doc.RootElement.GetProperty("exited").GetBoolean());
        Assert.Equal(3, doc.RootElement.GetProperty("exitCode").GetInt32());
        Assert.True(doc.RootElement.GetProperty("replayTruncated").GetBoolean());
    }

    [Fact]
    public void FileContent_LargestWholeRead_StaysUnderOneMiB() =>
        Assert.True(ServerFrames.FileContent("file-1", new byte[DataPlaneLimits.MaxWholeFileReadBytes], null).Length < 1024 * 1024);

    [Fact]
    public void ExecOutput_ControlCharacters_AreValidJson()
    {
        using JsonDocument doc = JsonDocument.Parse(new ExecOutputFrames("e").Build(2, "a\u0000\"\n"u8, out _));
        Assert.Equal("a\u0000\"\n", doc.RootElement.GetProperty("data").GetString());
        Assert.Equal("stderr", doc.RootElement.GetProperty("stream").GetString());
    }

    [Fact]
    public void Error_WithoutExecId_OmitsIt()
    {
        using JsonDocument doc = JsonDocument.Parse(ServerFrames.Error(null, "INVALID_REQUEST", "m"));
        Assert.False(doc.RootElement.TryGetProperty("execId", out _));
    }
}

public sealed class ReplayBufferTests
{
    [Fact]
    public void Add_BeyondOneMiB_DropsOldestAndMarksTruncated()
    {
        var buffer = new ReplayBuffer();
        for (int i = 0; i < 20; i++)
        {
            buffer.Add(new byte[100 * 1024]);
        }

        Assert.True(buffer.Truncated);
        Assert.True(buffer.Frames.Sum(f => f.Length) <= ReplayBuffer.MaxBytes);
        Assert.Equal(10, buffer.Frames.Count());
    }
}
