using System.Diagnostics;
using System.Globalization;

namespace AotSandbox.Cli;

/// <summary>
/// A one-line progress display on stderr for `cp`, only when stderr is a terminal: bytes moved (of the total, when
/// known), percentage and elapsed time, redrawn every 200 ms from the SDK's per-chunk reports; the rate when done.
/// </summary>
internal sealed class TransferProgress : IProgress<long>, IAsyncDisposable
{
    private readonly string _label;
    private readonly long _total;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _ticker;
    private long _done;

    /// <param name="label">What moves where.</param>
    /// <param name="total">Size when known (uploads), else -1.</param>
    public TransferProgress(string label, long total)
    {
        _label = label;
        _total = total;
        _ticker = Style.StderrIsTerminal ? TickAsync() : Task.CompletedTask;
    }

    public long Done => Interlocked.Read(ref _done);

    public void Report(long value) => Interlocked.Exchange(ref _done, value);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _ticker.ConfigureAwait(false);
        _stop.Dispose();
        if (Style.StderrIsTerminal)
        {
            double seconds = Math.Max(_clock.Elapsed.TotalSeconds, 0.001);
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"\r{_label}  {Size(Done)} in {seconds:0.0}s ({Size((long)(Done / seconds))}/s)\u001b[K"));
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
                long done = Done;
                string amount = _total > 0
                    ? string.Create(CultureInfo.InvariantCulture, $"{Size(done)} / {Size(_total)} ({100.0 * done / _total:0}%)")
                    : Size(done);
                Console.Error.Write(string.Create(CultureInfo.InvariantCulture, $"\r{_label}  {amount}  {_clock.Elapsed.TotalSeconds:0.0}s\u001b[K"));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
