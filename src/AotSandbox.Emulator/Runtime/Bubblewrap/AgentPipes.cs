using System.IO.Pipes;

namespace AotSandbox.Emulator.Runtime.Bubblewrap;

/// <summary>
/// Sizes the agent channel's pipes to hold one whole frame (1 MiB). With the kernel's default 64 KiB a 512 KiB file
/// chunk crossed in eight or more wake-ups of both the emulator and the agent, which showed as context switches in
/// the file and streaming profiles. The pages behind a pipe are allocated only while data waits in it, and what can
/// wait is bounded by the channel's windows (AGENT-CHANNEL.md), so the larger ring costs memory only in flight.
/// </summary>
internal static class AgentPipes
{
    /// <summary>One frame: the largest file chunk (1 MiB) fits whole; also the default fs.pipe-max-size.</summary>
    public const int Capacity = 1024 * 1024;

    private const int FSetPipeSize = 1031;

    /// <summary>Best effort: a stream that is not a pipe, or a kernel that refuses, keeps the default.</summary>
    public static void Enlarge(Stream stream)
    {
        if (stream is PipeStream pipe && !pipe.SafePipeHandle.IsInvalid)
        {
            _ = NativeMethods.Fcntl(pipe.SafePipeHandle, FSetPipeSize, Capacity);
        }
    }
}
