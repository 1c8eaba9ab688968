using System.IO.Pipes;
using System.Runtime.InteropServices;
using AotSandbox.Emulator.Runtime.Bubblewrap;

namespace AotSandbox.Tests.Emulator;

/// <summary>
/// The agent channel's pipes hold a whole file chunk: with the kernel's default 64 KiB a 512 KiB file.write or
/// file_data frame crossed in 8+ wake-ups of the emulator and the agent each.
/// </summary>
public sealed partial class AgentPipeCapacityTests
{
    private const int FGetPipeSize = 1032;

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(SafeHandle fd, int command, int argument);

    [Fact]
    public async Task AgentChannel_RaisesBothPipesTo1MiB()
    {
        using var toAgent = new AnonymousPipeServerStream(PipeDirection.Out);
        using var fromAgentWriter = new AnonymousPipeServerStream(PipeDirection.Out);
        using var fromAgent = new AnonymousPipeClientStream(PipeDirection.In, fromAgentWriter.ClientSafePipeHandle);
        Assert.Equal(64 * 1024, Fcntl(toAgent.SafePipeHandle, FGetPipeSize, 0)); // the kernel default this fixes

        var channel = new AgentChannel(toAgent, fromAgent, _ => { });
        Assert.Equal(1024 * 1024, Fcntl(toAgent.SafePipeHandle, FGetPipeSize, 0));
        Assert.Equal(1024 * 1024, Fcntl(fromAgent.SafePipeHandle, FGetPipeSize, 0));

        fromAgentWriter.Dispose(); // EOF: the channel's read loop ends
        await channel.Completion.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
