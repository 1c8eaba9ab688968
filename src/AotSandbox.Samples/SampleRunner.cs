namespace AotSandbox.Samples;

/// <summary>Runs one sample or all of them, and turns failures into a one-line message and exit code 1.</summary>
internal static class SampleRunner
{
    private static readonly (string Name, Func<Task> Run)[] Samples =
    [
        ("quickstart", QuickstartSample.RunAsync),
        ("configuration", ConfigurationSample.RunAsync),
        ("create", CreateSample.RunAsync),
        ("get", GetSample.RunAsync),
        ("run", RunCommandSample.RunAsync),
        ("background", BackgroundSample.RunAsync),
        ("files", FilesSample.RunAsync),
        ("stdin", StdinSample.RunAsync),
        ("terminal", PtySample.RunAsync),
        ("preview", PreviewSample.RunAsync),
        ("policy", PolicySample.RunAsync),
    ];

    public static async Task<int> RunAsync(string which)
    {
        bool any = false;
        foreach ((string name, Func<Task> run) in Samples)
        {
            if (which != "all" && which != name)
            {
                continue;
            }

            any = true;
            Console.WriteLine($"== {name}");
            try
            {
                await run().ConfigureAwait(false);
            }
            catch (SandboxException e)
            {
                await Console.Error.WriteLineAsync($"sample '{name}' failed: {e.GetType().Name}: {e.Message}").ConfigureAwait(false);
                return 1;
            }
        }

        if (!any)
        {
            await Console.Error.WriteLineAsync($"unknown sample '{which}'; try: all, {string.Join(", ", Samples.Select(s => s.Name))}").ConfigureAwait(false);
            return 2;
        }

        Console.WriteLine("all samples passed");
        return 0;
    }
}
