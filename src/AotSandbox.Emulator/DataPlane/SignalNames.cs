using System.Globalization;

namespace AotSandbox.Emulator.DataPlane;

/// <summary>Maps the signal spellings of <c>exec.kill</c> to Linux signal numbers (docs/PROTOCOL.md §3.12).</summary>
internal static class SignalNames
{
    public const int SigTerm = 15;
    public const int SigKill = 9;

    /// <summary>Null/empty means SIGTERM (defensive: reference clients always send one). Returns false for anything unknown.</summary>
    public static bool TryParse(string? signal, out int number)
    {
        number = SigTerm;
        if (string.IsNullOrEmpty(signal))
        {
            return true;
        }

        if (int.TryParse(signal, NumberStyles.None, CultureInfo.InvariantCulture, out number))
        {
            return number is >= 1 and <= 64;
        }

        ReadOnlySpan<char> name = signal.AsSpan();
        if (name.StartsWith("SIG", StringComparison.OrdinalIgnoreCase))
        {
            name = name[3..];
        }

        number = name.ToString().ToUpperInvariant() switch
        {
            "HUP" => 1,
            "INT" => 2,
            "QUIT" => 3,
            "KILL" => 9,
            "USR1" => 10,
            "USR2" => 12,
            "TERM" => 15,
            "CONT" => 18,
            "STOP" => 19,
            _ => 0,
        };
        return number != 0;
    }
}
