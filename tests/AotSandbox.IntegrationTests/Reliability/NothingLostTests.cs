using System.Security.Cryptography;
using System.Text;
using AotSandbox.IntegrationTests.Security;

namespace AotSandbox.IntegrationTests.Reliability;

/// <summary>
/// Nothing lost end to end through the SDK: 100 MB of output with a checksum computed inside the sandbox, per-stream
/// order of interleaved stdout/stderr, and byte-exact file round trips (binary, empty, 20 MB).
/// </summary>
[Collection(SecurityCollection.Name)]
public sealed class NothingLostTests(SecurityFixture fixture) : Battery(fixture)
{
    [Fact]
    public async Task HundredMegabytesOfOutput_ArriveCompleteAndInOrder()
    {
        Sandbox sb = await NewSandboxAsync();
        // 100 MB of numbered lines; the sandbox prints the SHA-256 of exactly what it wrote to stderr at the end.
        const string Script = "seq -f 'line %09g abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789' 1 1200000 | head -c 100000000 > /tmp/out; cat /tmp/out; sha256sum /tmp/out >&2";
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long bytes = 0;
        var stderr = new StringBuilder();
        ExecResult result = await sb.Exec(Script, new ExecOptions
        {
            Timeout = TimeSpan.FromMinutes(3),
            CaptureOutput = false,
            OnOutput = (stream, utf8) =>
            {
                if (stream == OutputStream.Stdout)
                {
                    hash.AppendData(utf8);
                    bytes += utf8.Length;
                }
                else
                {
                    stderr.Append(Encoding.UTF8.GetString(utf8));
                }
            },
        });
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(100_000_000, bytes);
        Assert.Equal(stderr.ToString().Split(' ')[0], Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    [Fact]
    public async Task InterleavedStdoutAndStderr_KeepTheirOrderPerStream()
    {
        Sandbox sb = await NewSandboxAsync();
        ExecResult result = await RunAsync(sb, "for i in $(seq 1 20000); do echo o$i; echo e$i >&2; done", 120);
        Assert.Equal(string.Concat(Enumerable.Range(1, 20000).Select(i => $"o{i}\n")), result.Stdout);
        Assert.Equal(string.Concat(Enumerable.Range(1, 20000).Select(i => $"e{i}\n")), result.Stderr);
    }

    [Fact]
    public async Task Files_RoundTripByteExact_BinaryEmptyAndTwentyMegabytes()
    {
        Sandbox sb = await NewSandboxAsync();
        byte[] everyByte = Enumerable.Range(0, 256).Select(i => (byte)i).Concat(Enumerable.Range(0, 256).Select(i => (byte)(255 - i))).ToArray();
        byte[] big = RandomNumberGenerator.GetBytes(20 * 1024 * 1024);
        foreach ((string name, byte[] content) in new[] { ("bytes.bin", everyByte), ("empty", Array.Empty<byte>()), ("big.bin", big), ("nul.bin", new byte[1000]) })
        {
            await sb.WriteFileAsync(name, content);
            Assert.Equal(content, await sb.ReadFileBytesAsync(name));
            string inside = (await RunAsync(sb, $"sha256sum {name} | cut -d' ' -f1; stat -c %s {name}")).Stdout;
            Assert.Equal($"{Convert.ToHexStringLower(SHA256.HashData(content))}\n{content.Length}\n", inside);
        }

        // Written inside, read through the API: also exact.
        await RunAsync(sb, "head -c 3000000 /dev/urandom > made.bin");
        string expected = (await RunAsync(sb, "sha256sum made.bin | cut -d' ' -f1")).Stdout.Trim();
        Assert.Equal(expected, Convert.ToHexStringLower(SHA256.HashData(await sb.ReadFileBytesAsync("made.bin"))));
    }
}
