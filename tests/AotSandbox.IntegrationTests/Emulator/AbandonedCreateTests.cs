using System.Net;

namespace AotSandbox.IntegrationTests.Emulator;

/// <summary>
/// A client that gives up on a create (its HTTP timeout under load, a cancelled CI job) never learns the sandbox's id
/// or token, so nobody could use or destroy what the emulator finished making: the emulator must end it itself rather
/// than leave it holding a slot, processes and host resources until its idle timeout.
/// </summary>
public sealed class AbandonedCreateTests
{
    [Fact]
    public async Task CreateAbandonedByTheClient_IsEnded_AndItsSlotFreed()
    {
        await using EmulatorHarness h = await EmulatorHarness.StartAsync(o => o.MaxSandboxes = 1);
        h.Runtime!.StartDelay = TimeSpan.FromSeconds(2);
        using (var giveUp = new CancellationTokenSource())
        {
            Task<HttpResponseMessage> create = h.Http.PostAsync(h.SandboxesUrl(), EmulatorHarness.Json("{\"size\":\"SMALL\",\"type\":\"cpu:default\",\"idleTimeout\":900,\"maxLifetime\":3600}"), giveUp.Token);
            for (DateTime until = DateTime.UtcNow.AddSeconds(10); h.Runtime.Instances.Count == 0 && DateTime.UtcNow < until;)
            {
                await Task.Delay(20);
            }

            Assert.Single(h.Runtime.Instances);
            await giveUp.CancelAsync(); // the client leaves while the sandbox is still starting
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => create);
        }

        // The start finishes after the client left; the half-answered sandbox must then be ended, not kept.
        DateTime deadline = DateTime.UtcNow.AddSeconds(10);
        while (!h.Runtime.Instances[0].Disposed && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.True(h.Runtime.Instances[0].Disposed, "the sandbox of an abandoned create is still running");
        h.Runtime.StartDelay = TimeSpan.Zero;

        // The slot is released right after the runtime's dispose returns, so a create in that instant may still see 429:
        // retried until the deadline, the slot must come back (it never did before abandoned creates were ended).
        HttpStatusCode status;
        do
        {
            using HttpResponseMessage next = await h.Http.PostAsync(h.SandboxesUrl(), EmulatorHarness.Json("{\"size\":\"SMALL\",\"type\":\"cpu:default\",\"idleTimeout\":900,\"maxLifetime\":3600}"));
            status = next.StatusCode;
            if (status == HttpStatusCode.TooManyRequests)
            {
                await Task.Delay(50);
            }
        }
        while (status == HttpStatusCode.TooManyRequests && DateTime.UtcNow < deadline.AddSeconds(5));

        Assert.Equal(HttpStatusCode.OK, status);
    }
}
