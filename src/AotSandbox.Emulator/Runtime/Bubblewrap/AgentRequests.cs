using System.Buffers.Binary;
using System.Text;

namespace AotSandbox.Emulator.Runtime.Bubblewrap;

/// <summary>A request waiting for its answer from the agent (file operations, ping).</summary>
internal abstract class AgentRequest
{
    /// <summary>Handles one answer frame; returns true when the request is complete.</summary>
    public abstract bool OnFrame(byte type, ReadOnlySpan<byte> payload);

    public abstract void Fail(Exception exception);

    protected static Exception ErrorOf(byte type, ReadOnlySpan<byte> payload)
    {
        if (type != AgentWire.Error)
        {
            return new SandboxRuntimeException($"the sandbox agent answered with unexpected message 0x{type:x2}");
        }

        var (code, message) = AgentWire.DecodeError(payload);
        return new SandboxFileException(code, message);
    }
}

/// <summary>A request answered by a single frame of one expected type.</summary>
internal abstract class AgentRequest<T> : AgentRequest
{
    private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<T> Task => _completion.Task;

    public override void Fail(Exception exception) => _completion.TrySetException(exception);

    protected void Complete(T value) => _completion.TrySetResult(value);
}

internal sealed class PingRequest : AgentRequest<bool>
{
    public override bool OnFrame(byte type, ReadOnlySpan<byte> payload)
    {
        if (type == AgentWire.Pong)
        {
            Complete(true);
        }
        else
        {
            Fail(ErrorOf(type, payload));
        }

        return true;
    }
}

internal sealed class ReadRequest : AgentRequest<(byte[] Data, long FileSize)>
{
    public override bool OnFrame(byte type, ReadOnlySpan<byte> payload)
    {
        if (type == AgentWire.FileData && payload.Length >= 8)
        {
            Complete((payload[8..].ToArray(), (long)BinaryPrimitives.ReadUInt64LittleEndian(payload)));
        }
        else
        {
            Fail(ErrorOf(type, payload));
        }

        return true;
    }
}

/// <summary>
/// A read whose bytes go straight into the caller's memory. The agent is untrusted: more bytes than were asked for
/// fail the request instead of being written past the destination. The destination is usually a pooled array that
/// goes back to the pool once the caller stops waiting, so the caller abandons the request first
/// (<see cref="Abandon"/>): an answer racing a cancellation then writes nothing.
/// </summary>
internal sealed class ReadIntoRequest(Memory<byte> destination) : AgentRequest<(int Count, long FileSize)>
{
    private readonly Lock _gate = new();
    private Memory<byte> _destination = destination;
    private bool _abandoned;

    /// <summary>From now on no answer touches the destination.</summary>
    public void Abandon()
    {
        lock (_gate)
        {
            _abandoned = true;
            _destination = Memory<byte>.Empty;
        }
    }

    public override bool OnFrame(byte type, ReadOnlySpan<byte> payload)
    {
        if (type != AgentWire.FileData || payload.Length < 8)
        {
            Fail(ErrorOf(type, payload));
            return true;
        }

        ReadOnlySpan<byte> data = payload[8..];
        lock (_gate)
        {
            if (_abandoned)
            {
                return true;
            }

            if (data.Length > _destination.Length)
            {
                Fail(new SandboxRuntimeException($"the sandbox agent answered a read of {_destination.Length} bytes with {data.Length}"));
                return true;
            }

            data.CopyTo(_destination.Span);
        }

        Complete((data.Length, (long)BinaryPrimitives.ReadUInt64LittleEndian(payload)));
        return true;
    }
}

internal sealed class WriteRequest : AgentRequest<long>
{
    public override bool OnFrame(byte type, ReadOnlySpan<byte> payload)
    {
        if (type == AgentWire.FileWritten && payload.Length >= 8)
        {
            Complete((long)BinaryPrimitives.ReadUInt64LittleEndian(payload));
        }
        else
        {
            Fail(ErrorOf(type, payload));
        }

        return true;
    }
}

/// <summary>
/// Collects entries over one or more frames; the first payload byte marks the last frame. Bounded like the agent's
/// listing (<see cref="MaxEntries"/>, <see cref="MaxNameBytes"/>): the agent's channel is untrusted, so the host
/// stops collecting past the bounds whatever the agent sends, and answers LIMIT_EXCEEDED.
/// </summary>
internal sealed class ListRequest : AgentRequest<IReadOnlyList<SandboxFileEntry>>
{
    /// <summary>Entries one listing returns at most (the agent's LIST_MAX_ENTRIES).</summary>
    public const int MaxEntries = 10_000;

    /// <summary>Bytes of names one listing returns at most (the agent's LIST_MAX_NAME_BYTES).</summary>
    public const int MaxNameBytes = 512 * 1024;

    /// <summary>The errno the agent answers when a directory exceeds a bound.</summary>
    private const string AgentLimitCode = "E2BIG";

    private readonly List<SandboxFileEntry> _entries = [];
    private long _nameBytes;

    public static SandboxFileException LimitExceeded() => new("LIMIT_EXCEEDED",
        $"the directory has more than {MaxEntries} entries or {MaxNameBytes / 1024} KiB of names, more than one file.list returns; list a subdirectory, or run a command (e.g. 'ls | head') to page through it");

    public override bool OnFrame(byte type, ReadOnlySpan<byte> payload)
    {
        if (type != AgentWire.FileEntries || payload.Length < 1)
        {
            Exception error = ErrorOf(type, payload);
            Fail(error is SandboxFileException { Code: AgentLimitCode } ? LimitExceeded() : error);
            return true;
        }
        var rest = payload[1..];
        while (rest.Length >= 11)
        {
            var kind = (char)rest[0];
            var size = (long)BinaryPrimitives.ReadUInt64LittleEndian(rest[1..]);
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(rest[9..]);
            if (rest.Length < 11 + nameLength)
            {
                break;
            }

            _nameBytes += nameLength;
            if (_entries.Count == MaxEntries || _nameBytes > MaxNameBytes)
            {
                // Done with this request: frames the agent still sends for it find no request and are dropped.
                Fail(LimitExceeded());
                return true;
            }
            _entries.Add(new SandboxFileEntry(Encoding.UTF8.GetString(rest.Slice(11, nameLength)), kind == 'd', size));
            rest = rest[(11 + nameLength)..];
        }
        if (payload[0] == 0)
        {
            return false;
        }

        Complete(_entries);
        return true;
    }
}
