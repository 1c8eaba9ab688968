using System.Net.Security;
using AotSandbox.Emulator.Network;

namespace AotSandbox.Tests.Network;

/// <summary>The SNI parser on real ClientHellos produced by SslStream, and on truncated/forged bytes.</summary>
public class ClientHelloParserTests
{
    private static async Task<byte[]> CaptureClientHelloAsync(string targetHost)
    {
        var capture = new CaptureStream();
        using var ssl = new SslStream(capture);
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = targetHost }, cts.Token);
        }
        catch (IOException)
        {
            // Expected: the capture stream answers nothing.
        }
        return capture.Written.ToArray();
    }

    [Fact]
    public async Task Parse_RealClientHello_ReturnsSni()
    {
        byte[] hello = await CaptureClientHelloAsync("api.allowed.test");
        Assert.Equal(ClientHelloStatus.Complete, ClientHelloParser.Parse(hello, out string? sni));
        Assert.Equal("api.allowed.test", sni);
        Assert.Equal(SniffedKind.Tls, ConnectionSniffer.Classify(hello)!.Value.Kind);
    }

    [Fact]
    public async Task Parse_Truncated_Incomplete()
    {
        byte[] hello = await CaptureClientHelloAsync("api.allowed.test");
        for (int n = 1; n < Math.Min(hello.Length, 200); n += 17)
        {
            Assert.Equal(ClientHelloStatus.Incomplete, ClientHelloParser.Parse(hello.AsSpan(0, n), out _));
        }
    }

    [Fact]
    public async Task Parse_CorruptedLengths_InvalidNotCrash()
    {
        byte[] hello = await CaptureClientHelloAsync("api.allowed.test");
        var random = new Random(1234);
        for (int i = 0; i < 500; i++)
        {
            byte[] copy = (byte[])hello.Clone();
            copy[5 + random.Next(copy.Length - 5)] = (byte)random.Next(256);
            _ = ClientHelloParser.Parse(copy, out _);
        }
    }

    [Fact]
    public void Parse_NotTls()
    {
        Assert.Equal(ClientHelloStatus.NotTls, ClientHelloParser.Parse("GET / HTTP/1.1\r\n"u8, out _));
    }

    private sealed class CaptureStream : Stream
    {
        public MemoryStream Written { get; } = new();

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() { }

        public override int Read(byte[] buffer, int offset, int count) => throw new IOException("no server");

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => throw new IOException("no server");

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => throw new IOException("no server");

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Written.Write(buffer, offset, count);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Written.Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Written.Write(buffer, offset, count);
            return Task.CompletedTask;
        }
    }
}
