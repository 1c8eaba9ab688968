using System.Text.Json;
using System.Text.RegularExpressions;

namespace AotSandbox.Cli;

/// <summary>
/// Per-user records of created sandboxes (<c>$XDG_STATE_HOME/aotsandbox/sandboxes/&lt;id&gt;.json</c>, else
/// <c>~/.local/state/...</c>). The protocol hands out a sandbox's session token only in the create response, so a
/// later `exec`/`cp`/`attach` from a new process can only reach the sandbox through what `create` stored here.
/// Files are 0600 in a 0700 directory: the token lets its holder run commands in the sandbox.
/// </summary>
internal static partial class SandboxStateStore
{
    /// <summary>Records read at most by one listing: a directory filled by years of creates cannot make `ps` unbounded.</summary>
    public const int MaxListedRecords = 1024;

    public static string Directory
    {
        get
        {
            string? stateHome = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
            if (string.IsNullOrEmpty(stateHome) || !Path.IsPathRooted(stateHome))
            {
                stateHome = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
            }

            return Path.Combine(stateHome, "aotsandbox", "sandboxes");
        }
    }

    public static string PathOf(string sandboxId)
    {
        if (!SafeId().IsMatch(sandboxId))
        {
            throw new ArgumentException($"'{sandboxId}' is not a sandbox id (expected letters, digits, '-' and '_').");
        }

        return Path.Combine(Directory, sandboxId + ".json");
    }

    public static string Save(SandboxRecord record)
    {
        string path = PathOf(record.SandboxId);
        if (OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(Directory);
        }
        else
        {
            System.IO.Directory.CreateDirectory(Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        string temporary = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var file = new FileStream(temporary, options))
        using (var writer = new Utf8JsonWriter(file, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("sandboxId", record.SandboxId);
            writer.WriteString("apiHost", record.ApiHost);
            writer.WriteString("namespace", record.Namespace);
            writer.WriteString("wsEndpoint", record.WebSocketEndpoint);
            writer.WriteString("managementEndpoint", record.ManagementEndpoint);
            writer.WriteString("token", record.Token);
            writer.WriteString("createdAt", record.CreatedAt ?? DateTimeOffset.UtcNow);
            WriteListedFields(writer, record);
            writer.WriteEndObject();
        }

        File.Move(temporary, path, overwrite: true); // readers never see half a record
        return path;
    }

    public static SandboxRecord? TryLoad(string sandboxId)
    {
        string path = PathOf(sandboxId);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(path));
            JsonElement root = document.RootElement;
            string? token = Text(root, "token");
            string? apiHost = Text(root, "apiHost");
            string? ns = Text(root, "namespace");
            if (token is null || apiHost is null || ns is null)
            {
                throw new InvalidDataException($"the state file {path} lacks token, apiHost or namespace; delete it");
            }

            return new SandboxRecord(sandboxId, apiHost, ns, Text(root, "wsEndpoint"), Text(root, "managementEndpoint"), token)
            {
                Name = Text(root, "name"),
                Size = Text(root, "size"),
                CreatedAt = Time(root, "createdAt"),
                ExpiresAt = Time(root, "expiresAt"),
                PreviewUrls = Urls(root),
            };
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"the state file {path} is not valid JSON ({e.Message}); delete it", e);
        }
    }

    public static void Delete(string sandboxId)
    {
        string path = PathOf(sandboxId);
        if (File.Exists(path))
        {
            File.Delete(path);
        }
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$")]
    private static partial Regex SafeId();
}
