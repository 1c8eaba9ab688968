using AotSandbox.Native.Interop;

namespace AotSandbox.Native.Objects;

/// <summary>What an <c>aotsb_sandbox_t*</c> points at: the SDK sandbox plus the strings lent to C, freed with the handle.</summary>
internal sealed class SandboxObject(Sandbox sandbox) : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<int, NativeText> _urls = [];
    private NativeText? _token;

    public Sandbox Sandbox { get; } = sandbox;

    public NativeText Id { get; } = NativeText.From(sandbox.Id);

    /// <summary>The session token as C text, or null when this instance has none (a Get without attach).</summary>
    public NativeText? Token()
    {
        lock (_gate)
        {
            return _token ??= Sandbox.SessionToken is { } token ? NativeText.From(token) : null;
        }
    }

    /// <summary>The preview URL of a port, computed once per port and lent to C until the handle is freed.</summary>
    public NativeText Url(int port)
    {
        lock (_gate)
        {
            if (!_urls.TryGetValue(port, out NativeText? url))
            {
                url = NativeText.From(Sandbox.GetUrl(port));
                _urls[port] = url;
            }

            return url;
        }
    }

    public void Dispose()
    {
        // Closes the connection only; the sandbox lives on until destroyed or expired, as the SDK's DisposeAsync does.
        try
        {
            Sandbox.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        finally
        {
            Id.Dispose();
            _token?.Dispose();
            foreach (NativeText url in _urls.Values)
            {
                url.Dispose();
            }
        }
    }
}
