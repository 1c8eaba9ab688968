using System.Globalization;
using System.Text.Json;

namespace AotSandbox.Cli;

/// <summary>The record fields `ps` shows without the service, and reading every record back for it.</summary>
internal static partial class SandboxStateStore
{
    /// <summary>
    /// The records of sandboxes created on <paramref name="apiHost"/> in <paramref name="namespace"/>, newest first, at
    /// most <see cref="MaxListedRecords"/> files read. <paramref name="skipped"/> counts files that could not be read
    /// (named by a warning, never fatal: one bad file must not hide the others); <paramref name="truncated"/> says
    /// the bound was hit.
    /// </summary>
    public static List<SandboxRecord> LoadAll(string apiHost, string @namespace, out int skipped, out bool truncated)
    {
        skipped = 0;
        truncated = false;
        var records = new List<SandboxRecord>();
        if (!System.IO.Directory.Exists(Directory))
        {
            return records;
        }

        int read = 0;
        foreach (string path in System.IO.Directory.EnumerateFiles(Directory, "*.json"))
        {
            if (++read > MaxListedRecords)
            {
                truncated = true;
                break;
            }

            string id = Path.GetFileNameWithoutExtension(path);
            try
            {
                if (SafeId().IsMatch(id) && TryLoad(id) is { } record
                    && string.Equals(record.ApiHost, apiHost, StringComparison.Ordinal)
                    && string.Equals(record.Namespace, @namespace, StringComparison.Ordinal))
                {
                    records.Add(record);
                }
            }
            catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                skipped++;
            }
        }

        records.Sort(static (a, b) => Nullable.Compare(b.CreatedAt, a.CreatedAt));
        return records;
    }

    private static void WriteListedFields(Utf8JsonWriter writer, SandboxRecord record)
    {
        writer.WriteString("name", record.Name);
        writer.WriteString("size", record.Size);
        if (record.ExpiresAt is { } expires)
        {
            writer.WriteString("expiresAt", expires);
        }

        writer.WriteStartObject("previewUrls");
        foreach (KeyValuePair<int, string> url in (record.PreviewUrls ?? new Dictionary<int, string>()).OrderBy(u => u.Key))
        {
            writer.WriteString(url.Key.ToString(CultureInfo.InvariantCulture), url.Value);
        }

        writer.WriteEndObject();
    }

    private static DateTimeOffset? Time(JsonElement root, string name) =>
        Text(root, name) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset time)
            ? time
            : null;

    private static Dictionary<int, string>? Urls(JsonElement root)
    {
        if (!root.TryGetProperty("previewUrls", out JsonElement urls) || urls.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var result = new Dictionary<int, string>();
        foreach (JsonProperty url in urls.EnumerateObject())
        {
            if (url.Value.ValueKind == JsonValueKind.String
                && int.TryParse(url.Name, NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port is >= 1 and <= 65535)
            {
                result[port] = url.Value.GetString()!;
            }
        }

        return result;
    }
}
