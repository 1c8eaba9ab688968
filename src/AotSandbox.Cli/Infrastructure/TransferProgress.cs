using System.Diagnostics;
using System.Globalization;

namespace AotSandbox.Cli;

/// <summary>
/// A one-line progress display on stderr for `cp`, only when stderr is a terminal. The SDK moves large files as
/// ordered 512 KiB chunks inside one call and reports no per-chunk progress, so the line shows the transfer's size
/// and elapsed time while it runs and the rate when done.
/// </summary>
internal sealed class TransferProgress : IAsyncDisposable
{
    private readonly string _label;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _ticker;

    public TransferProgress(string label, long bytes)
    {
        _label = label;
        Bytes = bytes;
        _ticker = Style.StderrIsTerminal ? TickAsync() : Task.CompletedTask;
    }

    /// <summary>Size of the transfer; -1 while unknown (a download learns it at the end).</summary>
    public long Bytes { get; set; }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _ticker.ConfigureAwait(false);
        _stop.Dispose();
        if (Style.StderrIsTerminal)
        {
            double seconds = Math.Max(_clock.Elapsed.TotalSeconds, 0.001);
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"\r{_label}  {Size(Bytes)} in {seconds:0.0}s ({Size((long)(Bytes / seconds))}/s)\u001b[K"));
        }
    }

    public static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):0.0} GiB"),
        >= 1L << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):0.0} MiB"),
        >= 1L << 10 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.0} KiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
    };

    private async Task TickAsync()
    {
        try
        {
            while (true)
            {
                await Task.Delay(200, _stop.Token).ConfigureAwait(false);
                Console.Error.Write(string.Create(CultureInfo.InvariantCulture,
                    $"\r{_label}  {(Bytes >= 0 ? Size(Bytes) : "...")}  {_clock.Elapsed.TotalSeconds:0.0}s\u001b[K"));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
