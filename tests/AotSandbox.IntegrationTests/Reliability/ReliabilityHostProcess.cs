using System.Net;
using System.Net.Sockets;

namespace AotSandbox.IntegrationTests.Reliability;

/// <summary>
/// Where the tests find tests/AotSandbox.ReliabilityHost (the emulator as a separate process, for the tests that kill it
/// or trace it) and a free loopback port for it to listen on.
/// </summary>
internal static class ReliabilityHostProcess
{
    /// <summary>The host's dll, built in the same configuration as this test assembly (…/tests/AotSandbox.IntegrationTests/bin/&lt;Config&gt;/net10.0/).</summary>
    public static string LocateDll()
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory);
        string configuration = here.Parent!.Name;
        string dll = Path.Combine(here.Parent!.Parent!.Parent!.Parent!.FullName, "AotSandbox.ReliabilityHost", "bin", configuration, "net10.0", "AotSandbox.ReliabilityHost.dll");
        Assert.True(File.Exists(dll), "build tests/AotSandbox.ReliabilityHost first: " + dll);
        return dll;
    }

    /// <summary>A loopback port free at the time of the call (the host binds it a moment later).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
