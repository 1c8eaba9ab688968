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
            return new SandboxRuntimeException($"the sandbox agent answered with unexpected message 0x{type:x2}");
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
            Complete(true);
        else
            Fail(ErrorOf(type, payload));
        return true;
    }
}

internal sealed class ReadRequest : AgentRequest<(byte[] Data, long FileSize)>
{
    public override bool OnFrame(byte type, ReadOnlySpan<byte> payload)
    {
        if (type == AgentWire.FileData && payload.Length >= 8)
            Complete((payload[8..].ToArray(), (long)BinaryPrimitives.ReadUInt64LittleEndian(payload)));
        else
            Fail(ErrorOf(type, payload));
        return true;
    }
}

internal sealed class WriteRequest : AgentRequest<long>
{
    public override bool OnFrame(byte type, ReadOnlySpan<byte> payload)
    {
        if (type == AgentWire.FileWritten && payload.Length >= 8)
            Complete((long)BinaryPrimitives.ReadUInt64LittleEndian(payload));
        else
            Fail(ErrorOf(type, payload));
        return true;
    }
}

/// <summary>Collects entries over one or more frames; the first payload byte marks the last frame.</summary>
internal sealed class ListRequest : AgentRequest<IReadOnlyList<SandboxFileEntry>>
{
    private readonly List<SandboxFileEntry> _entries = [];

    public override bool OnFrame(byte type, ReadOnlySpan<byte> payload)
    {
        if (type != AgentWire.FileEntries || payload.Length < 1)
        {
            Fail(ErrorOf(type, payload));
            return true;
        }
        var rest = payload[1..];
        while (rest.Length >= 11)
        {
            var kind = (char)rest[0];
            var size = (long)BinaryPrimitives.ReadUInt64LittleEndian(rest[1..]);
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(rest[9..]);
            if (rest.Length < 11 + nameLength)
                break;
            _entries.Add(new SandboxFileEntry(Encoding.UTF8.GetString(rest.Slice(11, nameLength)), kind == 'd', size));
            rest = rest[(11 + nameLength)..];
        }
        if (payload[0] == 0)
            return false;
        Complete(_entries);
        return true;
    }
}
