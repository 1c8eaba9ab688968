using System.Runtime.InteropServices;

namespace AotSandbox.Cli.Terminal;

/// <summary>
/// The few libc calls an interactive terminal needs. System.Console cannot do this: its raw mode keeps output
/// processing and signal keys partly its own, and it restores the terminal only on its own exit paths.
/// </summary>
internal static partial class TerminalNative
{
    public const int StdinFd = 0;
    public const int StdoutFd = 1;

    /// <summary>glibc's struct termios is 60 bytes on x86-64 and arm64; a larger opaque buffer holds it whatever the padding.</summary>
    public const int TermiosBufferSize = 128;

    private const int TCSANOW = 0;
    private const nuint TIOCGWINSZ = 0x5413;
    private const int EINTR = 4;
    private const int EAGAIN = 11;

    [LibraryImport("libc", EntryPoint = "isatty")]
    public static partial int IsATty(int fd);

    [LibraryImport("libc", EntryPoint = "tcgetattr", SetLastError = true)]
    private static partial int TcGetAttr(int fd, [Out] byte[] termios);

    [LibraryImport("libc", EntryPoint = "tcsetattr", SetLastError = true)]
    private static partial int TcSetAttr(int fd, int optionalActions, [In] byte[] termios);

    [LibraryImport("libc", EntryPoint = "cfmakeraw")]
    private static partial void CfMakeRaw([In, Out] byte[] termios);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static unsafe partial int IoctlWinSize(int fd, nuint request, ushort* winsize);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static unsafe partial nint Read(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static unsafe partial nint Write(int fd, byte* buffer, nuint count);

    public static bool IsTerminal(int fd) => IsATty(fd) == 1;

    /// <summary>The terminal's current settings (opaque), or null when <paramref name="fd"/> is not a terminal.</summary>
    public static byte[]? GetAttributes(int fd)
    {
        var termios = new byte[TermiosBufferSize];
        return TcGetAttr(fd, termios) == 0 ? termios : null;
    }

    public static bool SetAttributes(int fd, byte[] termios) => TcSetAttr(fd, TCSANOW, termios) == 0;

    /// <summary>A copy of <paramref name="termios"/> in raw mode: no echo, no line editing, no signal keys, no output processing.</summary>
    public static byte[] MakeRaw(byte[] termios)
    {
        var raw = (byte[])termios.Clone();
        CfMakeRaw(raw);
        return raw;
    }

    /// <summary>The window size of the terminal on <paramref name="fd"/>, or null when it has none.</summary>
    public static unsafe (int Rows, int Columns)? GetWindowSize(int fd)
    {
        ushort* size = stackalloc ushort[4]; // struct winsize: ws_row, ws_col, ws_xpixel, ws_ypixel
        return IoctlWinSize(fd, TIOCGWINSZ, size) == 0 && size[0] > 0 && size[1] > 0 ? (size[0], size[1]) : null;
    }

    /// <summary>Blocking read; 0 at end of input, -1 on an error other than EINTR.</summary>
    public static unsafe int ReadBlocking(int fd, Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            while (true)
            {
                nint n = Read(fd, p, (nuint)buffer.Length);
                if (n >= 0)
                {
                    return (int)n;
                }

                if (Marshal.GetLastPInvokeError() != EINTR)
                {
                    return -1;
                }
            }
        }
    }

    /// <summary>Writes all of <paramref name="data"/> (blocking: a slow terminal slows the stream, nothing piles up).</summary>
    public static unsafe bool WriteAll(int fd, ReadOnlySpan<byte> data)
    {
        fixed (byte* start = data)
        {
            byte* p = start;
            nuint left = (nuint)data.Length;
            while (left > 0)
            {
                nint n = Write(fd, p, left);
                if (n > 0)
                {
                    p += n;
                    left -= (nuint)n;
                    continue;
                }

                int error = Marshal.GetLastPInvokeError();
                if (n < 0 && (error == EINTR || error == EAGAIN))
                {
                    Thread.Yield();
                    continue;
                }

                return false;
            }
        }

        return true;
    }
}
