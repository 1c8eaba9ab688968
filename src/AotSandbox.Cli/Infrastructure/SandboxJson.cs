using System.Globalization;
using System.Text.Json;

namespace AotSandbox.Cli;

/// <summary>The JSON description of a sandbox (create --json, status --json).</summary>
internal static class SandboxJson
{
    public static void Write(Utf8JsonWriter writer, Sandbox sandbox, string? stateFile = null)
    {
        writer.WriteStartObject();
        writer.WriteString("sandboxId", sandbox.Id);
        writer.WriteString("name", sandbox.Name);
        writer.WriteString("status", sandbox.Status);
        writer.WriteString("namespace", sandbox.Namespace);
        writer.WriteString("apiHost", sandbox.ApiHost);
        writer.WriteString("cluster", sandbox.Cluster);
        writer.WriteString("region", sandbox.Region);
        writer.WriteNumber("maxLifetime", (long)sandbox.MaxLifetime.TotalSeconds);
        writer.WriteNumber("idleTimeout", (long)sandbox.IdleTimeout.TotalSeconds);
        writer.WriteString("wsEndpoint", sandbox.WebSocketEndpoint);
        writer.WriteString("managementEndpoint", sandbox.ManagementEndpoint);
        writer.WriteString("protocolVersion", sandbox.ProtocolVersion);
        writer.WriteStartObject("previewUrls");
        foreach (KeyValuePair<int, string> url in sandbox.PreviewUrls.OrderBy(u => u.Key))
        {
            writer.WriteString(url.Key.ToString(CultureInfo.InvariantCulture), url.Value);
        }

        writer.WriteEndObject();
        writer.WriteStartArray("extensions");
        foreach (string extension in sandbox.Extensions.Order(StringComparer.Ordinal))
        {
            writer.WriteStringValue(extension);
        }

        writer.WriteEndArray();
        if (stateFile is not null)
        {
            writer.WriteString("stateFile", stateFile);
        }

        writer.WriteEndObject();
    }
}
