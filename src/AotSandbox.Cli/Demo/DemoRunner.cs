using System.Diagnostics;
using System.Globalization;

namespace AotSandbox.Cli.Demo;

/// <summary>
/// Runs the demo's steps in order, printing each with its outcome and time, and remembers every sandbox it created so
/// they are destroyed at the end whatever happened. A failed step stops the walk (later steps build on earlier ones).
/// </summary>
internal sealed class DemoRunner
{
    private readonly List<Sandbox> _created = [];
    private readonly HashSet<string> _destroyed = new(StringComparer.Ordinal);
    private int _step;

    public int Passed { get; private set; }

    public int Failed { get; private set; }

    /// <summary>Prints a step header, runs it, prints ✔ or ✘ with the one-line reason. Returns whether it worked.</summary>
    public async Task<bool> StepAsync(string title, Func<Task> body)
    {
        _step++;
        Console.Out.WriteLine();
        Console.Out.WriteLine(Style.Bold(string.Create(CultureInfo.InvariantCulture, $"[{_step}] {title}")));
        var clock = Stopwatch.StartNew();
        try
        {
            await body().ConfigureAwait(false);
            Passed++;
            Console.Out.WriteLine(Style.Good(string.Create(CultureInfo.InvariantCulture, $"    ✔ ok ({clock.Elapsed.TotalMilliseconds:0} ms)")));
            return true;
        }
#pragma warning disable CA1031 // The demo reports every failure as a failed step instead of crashing.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Failed++;
            Console.Out.WriteLine(Style.Bad($"    ✘ failed: {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}"));
            return false;
        }
    }

    /// <summary>An indented detail line under the current step.</summary>
    public static void Say(string text)
    {
        foreach (string line in text.Split('\n'))
        {
            Console.Out.WriteLine($"    {line}");
        }
    }

    /// <summary>Prints the C# call being made, dimmed, like a code listing.</summary>
    public static void Code(string code) => Console.Out.WriteLine(Style.Dim($"    > {code}"));

    public Sandbox Track(Sandbox sandbox)
    {
        _created.Add(sandbox);
        return sandbox;
    }

    /// <summary>A sandbox the demo could not destroy counts as a failure: it would be left running.</summary>
    public void CountCleanupFailures(int count) => Failed += count;

    public void MarkDestroyed(Sandbox sandbox) => _destroyed.Add(sandbox.Id);

    /// <summary>Destroys every sandbox the demo created and has not destroyed yet; returns how many cleanups failed.</summary>
    public async Task<int> CleanUpAsync()
    {
        int failures = 0;
        foreach (Sandbox sandbox in _created)
        {
            if (!_destroyed.Contains(sandbox.Id))
            {
                try
                {
                    using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                    await sandbox.DestroyAsync(deadline.Token).ConfigureAwait(false);
                    Console.Out.WriteLine(Style.Dim($"    cleaned up {sandbox.Id}"));
                }
                catch (SandboxNotFoundException)
                {
                }
#pragma warning disable CA1031 // Keep cleaning the others; the failure is reported and changes the exit code.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    failures++;
                    Console.Out.WriteLine(Style.Bad($"    could not destroy {sandbox.Id}: {e.Message}"));
                }
            }

            await sandbox.DisposeAsync().ConfigureAwait(false);
        }

        return failures;
    }
}
