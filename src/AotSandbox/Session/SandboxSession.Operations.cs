using System.Runtime.CompilerServices;
using AotSandbox.Protocol;

namespace AotSandbox.Session;

/// <summary>Registration of pending operations and the send path.</summary>
internal sealed partial class SandboxSession
{
    public void Register(PendingExec exec)
    {
        lock (_gate)
        {
            ThrowIfEnded();
            _execs[exec.Key] = exec;
        }
    }

    public void Register(PendingFileOperation file)
    {
        lock (_gate)
        {
            ThrowIfEnded();
            _files[file.Key] = file;
        }
    }

    public void Register(PendingGet get)
    {
        lock (_gate)
        {
            ThrowIfEnded();
            _gets[get.Key] = get;
        }
    }

    /// <summary>Stops listening to a command (timeout, cancellation, failed send); later frames for it are dropped.</summary>
    public void Unregister(PendingExec exec) => Remove(exec);

    public void Unregister(PendingFileOperation file) => Remove(file);

    public void Unregister(PendingGet get)
    {
        lock (_gate)
        {
            if (_gets.TryGetValue(get.Key, out PendingGet? current) && ReferenceEquals(current, get))
            {
                _gets.Remove(get.Key);
            }
        }
    }

    /// <summary>The command this connection listens to under that id, if any.</summary>
    public PendingExec? FindExec(FrameId key)
    {
        lock (_gate)
        {
            return _execs.GetValueOrDefault(key);
        }
    }

    /// <summary>A builder to write one frame into; hand it to <see cref="SendAsync"/>, which returns it to the pool.</summary>
    public FrameBuilder RentBuilder() => _builders.Rent();

    /// <summary>Sends the frame written into <paramref name="builder"/> and returns the builder to the pool.</summary>
    /// <remarks>Pooled state machine: a send that completes asynchronously reuses a box instead of allocating one per frame.</remarks>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask SendAsync(FrameBuilder builder, CancellationToken cancellationToken)
    {
        try
        {
            if (_ended)
            {
                ThrowHelper.ThrowNotConnected(SandboxId);
            }

            await _transport.SendTextAsync(builder.Complete(), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not SandboxException and not OperationCanceledException)
        {
            throw SendFailure(ex);
        }
        finally
        {
            _builders.Return(builder);
        }
    }

    /// <summary>
    /// Sends a binary message: the envelope head written into <paramref name="head"/> (returned to the pool afterwards)
    /// followed by <paramref name="body"/>, which the transport copies straight into its pipe (docs/PROTOCOL.md §4.7).
    /// </summary>
    public async ValueTask SendEnvelopeAsync(FrameBuilder head, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        try
        {
            if (_ended)
            {
                ThrowHelper.ThrowNotConnected(SandboxId);
            }

            await _transport.SendBinaryAsync(head.Buffer.WrittenMemory, body, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not SandboxException and not OperationCanceledException)
        {
            throw SendFailure(ex);
        }
        finally
        {
            _builders.Return(head);
        }
    }

    /// <summary>What a failed send throws: "not connected" once the session has ended, else the transport's failure.</summary>
    private SandboxWebSocketException SendFailure(Exception ex) => _ended
        ? NotConnected(SandboxId)
        : new SandboxWebSocketException($"Sandbox '{SandboxId}' WebSocket send failed: {ex.Message}", ex);

    public static SandboxWebSocketException NotConnected(string sandboxId) => new($"Sandbox '{sandboxId}' is not connected");

    private void ThrowIfEnded()
    {
        if (_ended)
        {
            ThrowHelper.ThrowNotConnected(SandboxId);
        }
    }
}
