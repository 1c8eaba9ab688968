using System.Text.Json;

namespace AotSandbox.Protocol;

/// <summary>Parses the <c>entries</c> array of <c>file.entries</c>; items without a string <c>name</c> are skipped.</summary>
internal static class FileEntriesParser
{
    public static List<FileEntry> Parse(ReadOnlySpan<byte> entriesJson)
    {
        var result = new List<FileEntry>();
        if (entriesJson.IsEmpty)
        {
            return result;
        }

        var reader = new Utf8JsonReader(entriesJson);
        reader.Read(); // StartArray
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            string? name = null;
            string type = "file";
            long? size = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("name"u8))
                {
                    reader.Read();
                    name = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                else if (reader.ValueTextEquals("type"u8))
                {
                    reader.Read();
                    type = reader.TokenType == JsonTokenType.String ? reader.GetString() ?? "file" : "file";
                }
                else if (reader.ValueTextEquals("size"u8))
                {
                    reader.Read();
                    size = ServerFrame.ReadInt64(ref reader);
                }
                else
                {
                    reader.Read();
                }

                reader.Skip();
            }

            if (name is not null)
            {
                result.Add(new FileEntry(name, type, size));
            }
        }

        return result;
    }
}
