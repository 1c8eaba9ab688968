using Microsoft.Extensions.Logging;

namespace AotSandbox.IntegrationTests.Reliability;

/// <summary>
/// Keeps what an in-process emulator logs that a soak must report: every warning and error (create or teardown
/// failures), and sandboxes that ended "failed" or "expired" rather than destroyed. Bounded: the first 200 entries,
/// then only a count.
/// </summary>
internal sealed class EmulatorLogCollector
{
    private const int Keep = 200;
    private readonly List<string> _entries = [];
    private int _dropped;

    public void AttachTo(ILoggingBuilder logging, string emulator) => logging.AddProvider(new Provider(this, emulator));

    /// <summary>The entries kept so far, plus how many were dropped.</summary>
    public (string[] Entries, int Dropped) Snapshot()
    {
        lock (_entries)
        {
            return ([.. _entries], _dropped);
        }
    }

    private void Add(string entry)
    {
        lock (_entries)
        {
            if (_entries.Count < Keep)
            {
                _entries.Add(entry);
            }
            else
            {
                _dropped++;
            }
        }
    }

    private static bool Matters(LogLevel level, string message) =>
        level >= LogLevel.Warning
        || (level == LogLevel.Information && message.StartsWith("Sandbox ", StringComparison.Ordinal)
            && (message.Contains(" failed:", StringComparison.Ordinal) || message.Contains(" expired:", StringComparison.Ordinal)));

    private sealed class Provider(EmulatorLogCollector owner, string emulator) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(owner, emulator, categoryName);

        public void Dispose()
        {
        }
    }

    private sealed class Logger(EmulatorLogCollector owner, string emulator, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            string message = formatter(state, exception);
            if (Matters(logLevel, message))
            {
                string error = exception is null ? "" : $" [{exception.GetType().Name}: {exception.Message}]";
                owner.Add($"{DateTime.UtcNow:HH:mm:ss.fff} {emulator} {logLevel} {category}: {message}{error}");
            }
        }
    }
}
