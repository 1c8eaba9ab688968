using System.Globalization;

namespace AotSandbox.Cli;

/// <summary>
/// Shows an image build on stderr: a redrawn bar with percentage and phase on a terminal, one line per new phase
/// otherwise (logs and CI keep a readable record instead of carriage returns).
/// </summary>
internal sealed class ImageProgressBar
{
    private const int Width = 30;
    private readonly Lock _gate = new();
    private string? _lastPhase;
    private bool _drawn;

    public void Report(string phase, int percent)
    {
        percent = Math.Clamp(percent, 0, 100);
        lock (_gate)
        {
            if (Style.StderrIsTerminal)
            {
                int filled = percent * Width / 100;
                Console.Error.Write(string.Create(CultureInfo.InvariantCulture,
                    $"\rimage [{new string('#', filled)}{new string('.', Width - filled)}] {percent,3}% {phase}\u001b[K"));
                _drawn = true;
            }
            else if (phase != _lastPhase)
            {
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"image: {percent,3}% {phase}"));
            }

            _lastPhase = phase;
        }
    }

    /// <summary>Ends the bar's line (call once the build is over, whether it succeeded or not).</summary>
    public void Finish()
    {
        lock (_gate)
        {
            if (_drawn)
            {
                Console.Error.WriteLine();
                _drawn = false;
            }
        }
    }
}
