using System.Text.Json;

namespace AotSandbox.Cli;

/// <summary>Machine output for <c>--json</c>: one indented document on stdout, written without reflection.</summary>
internal static class JsonOut
{
    public static void Write(Action<Utf8JsonWriter> body)
    {
        using Stream stdout = Console.OpenStandardOutput();
        using (var writer = new Utf8JsonWriter(stdout, new JsonWriterOptions { Indented = true }))
        {
            body(writer);
        }

        stdout.Write("\n"u8);
        stdout.Flush();
    }
}
