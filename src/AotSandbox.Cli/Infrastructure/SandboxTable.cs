using System.Globalization;
using System.Text;
using System.Text.Json;

namespace AotSandbox.Cli;

/// <summary>`ps` output: the aligned table and the <c>--json</c> document. Pure functions of the rows and the time.</summary>
internal static class SandboxTable
{
    private const int MaxNameWidth = 24;

    /// <summary>ID, NAME, STATUS, AGE, SIZE, PORTS; the header always, so an empty list still reads as a table.</summary>
    public static string Render(IReadOnlyList<SandboxRow> rows, DateTimeOffset now)
    {
        string[][] cells = [["ID", "NAME", "STATUS", "AGE", "SIZE", "PORTS"], .. rows.Select(r => new[]
        {
            r.Id,
            Printable(r.Name, MaxNameWidth) ?? "-",
            r.Status,
            r.CreatedAt is { } created ? Age(now - created) : "-",
            r.Size ?? "-",
            r.PreviewUrls.Count == 0 ? "-" : string.Join(',', r.PreviewUrls.Keys.Order().Select(p => p.ToString(CultureInfo.InvariantCulture))),
        })];
        int[] widths = Enumerable.Range(0, 6).Select(c => cells.Max(row => row[c].Length)).ToArray();
        var text = new StringBuilder();
        foreach (string[] row in cells)
        {
            for (int c = 0; c < row.Length; c++)
            {
                text.Append(c == row.Length - 1 ? row[c] : row[c].PadRight(widths[c] + 2));
            }

            text.Append('\n');
        }

        return text.ToString();
    }

    /// <summary>Whole seconds, minutes, hours, then days: the largest unit that is at least 1 (like `docker ps`).</summary>
    public static string Age(TimeSpan age)
    {
        if (age < TimeSpan.Zero)
        {
            age = TimeSpan.Zero; // clock skew between the service and this machine
        }

        return age.TotalSeconds < 60 ? Invariant($"{(int)age.TotalSeconds}s")
            : age.TotalMinutes < 60 ? Invariant($"{(int)age.TotalMinutes}m")
            : age.TotalHours < 48 ? Invariant($"{(int)age.TotalHours}h")
            : Invariant($"{(int)age.TotalDays}d");
    }

    /// <summary><c>{"source":"service"|"local-records","sandboxes":[…]}</c>: scripts can tell a fallback from a listing.</summary>
    public static void WriteJson(Utf8JsonWriter writer, IReadOnlyList<SandboxRow> rows, string source, DateTimeOffset now)
    {
        writer.WriteStartObject();
        writer.WriteString("source", source);
        writer.WriteStartArray("sandboxes");
        foreach (SandboxRow row in rows)
        {
            writer.WriteStartObject();
            writer.WriteString("sandboxId", row.Id);
            writer.WriteString("name", row.Name);
            writer.WriteString("status", row.Status);
            if (row.Reason is not null)
            {
                writer.WriteString("reason", row.Reason);
            }

            writer.WriteString("size", row.Size);
            WriteTime(writer, "createdAt", row.CreatedAt);
            WriteTime(writer, "expiresAt", row.ExpiresAt);
            if (row.CreatedAt is { } created)
            {
                writer.WriteNumber("ageSeconds", Math.Max(0, (long)(now - created).TotalSeconds));
            }
            else
            {
                writer.WriteNull("ageSeconds");
            }

            writer.WriteStartObject("previewUrls");
            foreach (KeyValuePair<int, string> url in row.PreviewUrls.OrderBy(u => u.Key))
            {
                writer.WriteString(url.Key.ToString(CultureInfo.InvariantCulture), url.Value);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>
    /// Control characters become '?' (a name is whatever its creator chose, and a table goes to a terminal that would
    /// run escape sequences); long names are cut with an ellipsis so the columns stay aligned.
    /// </summary>
    public static string? Printable(string? text, int width)
    {
        if (text is null)
        {
            return null;
        }

        var clean = new StringBuilder(Math.Min(text.Length, width));
        foreach (char c in text)
        {
            if (clean.Length == width)
            {
                clean[width - 1] = '…';
                break;
            }

            clean.Append(char.IsControl(c) ? '?' : c);
        }

        return clean.ToString();
    }

    private static void WriteTime(Utf8JsonWriter writer, string name, DateTimeOffset? value)
    {
        if (value is { } time)
        {
            writer.WriteString(name, time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
