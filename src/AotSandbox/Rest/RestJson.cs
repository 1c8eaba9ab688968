using System.Text.Json;

namespace AotSandbox.Rest;

/// <summary>
/// The REST bodies through Utf8JsonWriter and JsonDocument rather than JsonSerializer: the serializer's machinery
/// (contracts, converters, metadata caches) was a large part of the AOT library's size and of the first request's cost.
/// Same wire format as <see cref="RestJsonContext"/>, which the tests keep as the reference.
/// </summary>
internal static class RestJson
{
    /// <summary>The create body: <c>name</c> always (null when unset), then size, type, lifetimes, and the rest only when set.</summary>
    public static byte[] WriteCreateRequest(CreateSandboxRequest request)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("name"u8, request.Name);
            writer.WriteString("size"u8, request.Size);
            writer.WriteString("type"u8, request.Type);
            writer.WriteNumber("idleTimeout"u8, request.IdleTimeout);
            writer.WriteNumber("maxLifetime"u8, request.MaxLifetime);
            if (request.Cluster is not null)
            {
                writer.WriteString("cluster"u8, request.Cluster);
            }

            if (request.Region is not null)
            {
                writer.WriteString("region"u8, request.Region);
            }

            if (request.Envs is not null)
            {
                writer.WriteStartObject("envs"u8);
                foreach ((string key, string value) in request.Envs)
                {
                    writer.WriteString(key, value);
                }

                writer.WriteEndObject();
            }

            if (request.Policy is not null)
            {
                writer.WritePropertyName("policy"u8);
                SandboxPolicyJson.Write(writer, request.Policy);
            }

            if (request.Ports is not null)
            {
                writer.WriteStartArray("ports"u8);
                foreach (int port in request.Ports)
                {
                    writer.WriteNumberValue(port);
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Reads a create/get/delete response: null for JSON <c>null</c>; unknown properties ignored; the last of duplicate
    /// properties wins; a known string property holding anything but a string or null is an error, as it was for the serializer.
    /// </summary>
    /// <exception cref="JsonException">Not JSON, not an object, or a known property of the wrong type.</exception>
    public static SandboxResponse? ReadResponse(ReadOnlyMemory<byte> utf8)
    {
        using JsonDocument document = JsonDocument.Parse(utf8);
        JsonElement root = document.RootElement;
        if (root.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException($"expected a JSON object, found {root.ValueKind}");
        }

        var response = new SandboxResponse();
        foreach (JsonProperty property in root.EnumerateObject())
        {
            JsonElement value = property.Value;
            switch (property.Name)
            {
                case "sandboxId": response.SandboxId = Text(property); break;
                case "token": response.Token = Text(property); break;
                case "wsEndpoint": response.WsEndpoint = Text(property); break;
                case "status": response.Status = Text(property); break;
                case "name": response.Name = Text(property); break;
                case "cluster": response.Cluster = Text(property); break;
                case "region": response.Region = Text(property); break;
                case "managementEndpoint": response.ManagementEndpoint = Text(property); break;
                case "protocolVersion": response.ProtocolVersion = Text(property); break;

                // Kept raw and validated entry by entry by their readers (see SandboxResponse); cloned to outlive the document.
                case "maxLifetime": response.MaxLifetime = value.Clone(); break;
                case "idleTimeout": response.IdleTimeout = value.Clone(); break;
                case "previewUrls": response.PreviewUrls = value.Clone(); break;
                case "extensions": response.Extensions = value.Clone(); break;
                default: break;
            }
        }

        return response;
    }

    private static string? Text(JsonProperty property) => property.Value.ValueKind switch
    {
        JsonValueKind.String => property.Value.GetString(),
        JsonValueKind.Null => null,
        _ => throw new JsonException($"'{property.Name}' must be a string, found {property.Value.ValueKind}"),
    };
}
