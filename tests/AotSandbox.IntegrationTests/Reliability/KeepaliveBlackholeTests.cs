using System.Diagnostics;
using AotSandbox.IntegrationTests.Sdk;
using Xunit.Abstractions;

namespace AotSandbox.IntegrationTests.Reliability;

/// <summary>
/// Keepalive against the real emulator through a relay that blackholes the path (no FIN, no RST, just silence): the
/// SDK must notice within its configured deadline and fail pending work with the connection-lost error, and pings
/// must keep a quiet but healthy path open.
/// </summary>
[Collection(SdkEmulatorCollection.Name)]
public sealed class KeepaliveBlackholeTests(SdkEmulatorFixture emulator, ITestOutputHelper output)
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task BlackholedPath_IsNoticedWithinTheDeadline_PendingExecFailsWithConnectionLost()
    {
        Sandbox direct = await Sandbox.CreateAsync(emulator.Create("keepalive-blackhole"));
        await using var proxy = new DroppableProxy(new Uri(emulator.Server.ApiHost));
        try
        {
            SandboxConnectionOptions viaProxy = emulator.Connection();
            viaProxy.ApiHost = proxy.BaseUrl;
            viaProxy.KeepAliveInterval = Interval;
            viaProxy.KeepAliveTimeout = Deadline;
            Sandbox flaky = await Sandbox.AttachAsync(direct.Id, direct.SessionToken!, viaProxy);
            Assert.StartsWith(proxy.BaseUrl.Replace("http", "ws", StringComparison.Ordinal), flaky.WebSocketEndpoint, StringComparison.Ordinal);

            // Quiet but healthy: 3 deadlines with no traffic but pings and pongs, and the session stays open.
            await Task.Delay(Deadline * 3);
            Assert.True(flaky.IsConnected, "a quiet, healthy path was declared dead: pongs do not count as life");
            Assert.Equal("alive\n", (await flaky.Exec("echo alive")).Stdout);

            ExecTask pending = flaky.Exec("sleep 60", new ExecOptions { Timeout = TimeSpan.FromSeconds(120) });
            await Task.Delay(300);
            var watch = Stopwatch.StartNew();
            proxy.Blackhole();
            SandboxWebSocketException ex = await Assert.ThrowsAsync<SandboxWebSocketException>(
                async () => await pending.AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
            TimeSpan noticed = watch.Elapsed;
            output.WriteLine($"blackhole noticed after {noticed.TotalMilliseconds:0} ms (interval {Interval.TotalMilliseconds} ms, deadline {Deadline.TotalMilliseconds} ms)");

            Assert.Contains("connection lost", ex.Message, StringComparison.Ordinal);
            Assert.Contains("keepalive timeout 2 s", ex.Message, StringComparison.Ordinal);
            Assert.Equal(1006, ex.CloseCode);

            // The deadline counts from the last byte received (at most one interval before the blackhole) and is
            // checked every quarter of the interval; allow 1.5 s for a loaded, shared machine on top.
            Assert.True(noticed >= Deadline - Interval - TimeSpan.FromMilliseconds(200), $"noticed after {noticed.TotalMilliseconds:0} ms: before the deadline could have passed");
            Assert.True(noticed <= Deadline + TimeSpan.FromSeconds(1.5), $"noticed after {noticed.TotalMilliseconds:0} ms, deadline {Deadline.TotalMilliseconds} ms");
            Assert.False(flaky.IsConnected);
            await Assert.ThrowsAnyAsync<SandboxException>(async () => await flaky.Exec("true"));
            await flaky.DisposeAsync();
        }
        finally
        {
            await direct.DestroyAsync();
        }
    }
}
