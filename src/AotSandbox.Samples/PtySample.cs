using System.Text;

namespace AotSandbox.Samples;

/// <summary>README, "An interactive terminal": a shell on a pseudo-terminal, keystrokes in, a resize, the exit code.</summary>
internal static class PtySample
{
    public static async Task RunAsync()
    {
        Sandbox sandbox = await Sandbox.CreateAsync(new SandboxCreateOptions { Name = "my-sandbox" });
        try
        {
            if (!sandbox.Extensions.Contains(SandboxExtensionNames.ExecPty))
            {
                Console.WriteLine("terminal: the service does not offer exec.pty");
                return;
            }

            var screen = new StringBuilder();
            PtyCommand shell = await sandbox.StartPtyAsync("bash --norc --noprofile -i", rows: 40, columns: 120,
                onOutput: bytes => { lock (screen) { screen.Append(Encoding.UTF8.GetString(bytes)); } });
            await shell.WriteAsync("echo $((6*7))\r"u8.ToArray());
            await shell.ResizeAsync(30, 100);
            await Task.Delay(200); // the resize and the keystrokes travel separately; let the size land first
            await shell.WriteAsync("stty size; exit 3\r"u8.ToArray());
            int exitCode = await shell.WaitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            string text;
            lock (screen)
            {
                text = screen.ToString();
            }

            Console.WriteLine($"terminal: answer 42 {text.Contains("42\r\n", StringComparison.Ordinal)}, size 30x100 {text.Contains("30 100", StringComparison.Ordinal)}, exit code {exitCode}");
        }
        finally
        {
            await sandbox.DestroyAsync();
        }
    }
}
