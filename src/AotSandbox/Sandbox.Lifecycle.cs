using AotSandbox.Rest;
using AotSandbox.Session;

namespace AotSandbox;

/// <summary>Preview URLs, destroy and dispose.</summary>
public sealed partial class Sandbox
{
    /// <summary>Returns the preview URL of a port declared at creation. Synchronous; no network call.</summary>
    /// <param name="port">The port (1..65535).</param>
    /// <returns>The public URL.</returns>
    /// <exception cref="SandboxInvalidPortException">The port is outside 1..65535.</exception>
    /// <exception cref="SandboxPortNotProvisionedException">The port was not declared in <see cref="SandboxCreateOptions.Ports"/>.</exception>
    public string GetUrl(int port)
    {
        if (port is < 1 or > 65535)
        {
            throw new SandboxInvalidPortException($"Invalid port {port}: expected an integer between 1 and 65535");
        }

        if (!PreviewUrls.TryGetValue(port, out string? url))
        {
            throw new SandboxPortNotProvisionedException(
                $"Port {port} has no preview URL on sandbox '{Id}': declare it in SandboxCreateOptions.Ports when creating the sandbox");
        }

        return url;
    }

    /// <summary>
    /// Destroys the sandbox: marks the connection's close as intentional, sends DELETE, then closes the connection. Work
    /// still pending resolves instead of failing: foreground results with <see cref="ExecResult.Destroyed"/> and a null
    /// exit code, waits with <see cref="CommandExit.Destroyed"/>, file operations with empty results, re-attaches with a
    /// destroyed handle. This holds also when the server closes the connection during the DELETE.
    /// </summary>
    /// <param name="cancellationToken">Cancels the DELETE.</param>
    /// <returns>The service's answer.</returns>
    /// <exception cref="SandboxNotFoundException">The sandbox no longer exists.</exception>
    public async Task<SandboxDestroyResult> DestroyAsync(CancellationToken cancellationToken = default)
    {
        _closedByOwner = true;
        SandboxSession? session = _session;
        session?.SetIntentionalClose(true);
        SandboxResponse response;
        try
        {
            string baseUrl = ManagementEndpoint is null ? ApiHost : HostNormalizer.Normalize(ManagementEndpoint);
            response = await SandboxRestClient.DeleteAsync(_options, _credentials, baseUrl, Id, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            session?.SetIntentionalClose(false);
            _closedByOwner = false;
            throw;
        }

        // Commands that were waiting for a reconnect died with the sandbox.
        PendingExec[] orphans;
        lock (_connectGate)
        {
            orphans = [.. _resumable];
            _resumable.Clear();
        }

        foreach (PendingExec orphan in orphans)
        {
            orphan.ResolveDestroyed();
        }

        Status = response.Status ?? "destroyed";
        if (session is not null)
        {
            await session.CloseAsync(byClient: false).ConfigureAwait(false);
        }

        return new SandboxDestroyResult(string.IsNullOrEmpty(response.SandboxId) ? Id : response.SandboxId, response.Status);
    }

    /// <summary>Closes the data-plane connection without destroying the sandbox; pending work fails with <see cref="SandboxWebSocketException"/>.</summary>
    /// <returns>A task that completes when closed.</returns>
    public async ValueTask DisposeAsync()
    {
        _closedByOwner = true;
        SandboxSession? session = _session;
        if (session is not null)
        {
            await session.CloseAsync(byClient: true).ConfigureAwait(false);
        }
    }
}
