using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Exporters.Json;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace AotSandbox.Benchmarks;

/// <summary>
/// Entry point. Every benchmark class pairs ours with a baseline (<c>Baseline = true</c>), so each ratio comes from
/// one run on one machine. Without <c>--job</c> on the command line the short job (1 launch, 3 warm-up, 3 measured
/// iterations, in process) is used, which keeps the whole suite within a few minutes on 2 cores; pass <c>--job default</c> for
/// BenchmarkDotNet's full statistics.
/// </summary>
public static class Program
{
    /// <summary>
    /// The short job, run in this process: no per-run project generation and rebuild (a minute or more on 2 shared
    /// cores), which is what keeps the whole bench harness under its time budget. The host is a Release build.
    /// </summary>
    public static Job ShortInProcess { get; } = Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithId("ShortInProcess");

    /// <summary>The configuration shared by this entry point and the E2E harness (which runs the same classes).</summary>
    public static IConfig Config(bool addShortJob)
    {
        IConfig config = DefaultConfig.Instance
            .AddExporter(JsonExporter.Full)
            .AddExporter(MarkdownExporter.GitHub)
            .WithOption(ConfigOptions.JoinSummary, true);
        return addShortJob ? config.AddJob(ShortInProcess) : config;
    }

    public static int Main(string[] args)
    {
        if (args is [LoopbackFrameServer.ServeSwitch])
        {
            return LoopbackFrameServer.ServeUntilStdinClosesAsync().GetAwaiter().GetResult();
        }

        bool jobGiven = args.Any(a => a.StartsWith("--job", StringComparison.Ordinal) || a == "-j");
        IConfig config = Config(addShortJob: !jobGiven);

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
        return 0;
    }
}
