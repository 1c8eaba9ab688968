using System.Globalization;
using System.Text.Json;

namespace AotSandbox.Rest;

/// <summary>Parses <c>previewUrls</c>: keys that are integers in 1..65535 with string values are kept; anything else is dropped.</summary>
internal static class PreviewUrlParser
{
    public static Dictionary<int, string> Parse(JsonElement previewUrls)
    {
        var result = new Dictionary<int, string>();
        if (previewUrls.ValueKind != JsonValueKind.Object)
        {
            return result;
        }

        foreach (JsonProperty entry in previewUrls.EnumerateObject())
        {
            if (entry.Value.ValueKind == JsonValueKind.String
                && int.TryParse(entry.Name, NumberStyles.None, CultureInfo.InvariantCulture, out int port)
                && port is >= 1 and <= 65535)
            {
                result[port] = entry.Value.GetString()!;
            }
        }

        return result;
    }

    /// <summary>Reads a JSON array of strings (e.g. <c>extensions</c>); non-string items are skipped.</summary>
    public static List<string> ParseStrings(JsonElement array)
    {
        var result = new List<string>();
        if (array.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement item in array.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.String)
                {
                    result.Add(item.GetString()!);
                }
            }
        }

        return result;
    }

    /// <summary>Reads a whole number of seconds, or the default when absent or not a number.</summary>
    public static TimeSpan ParseSeconds(JsonElement value, int defaultSeconds)
        => value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out double seconds) && seconds >= 0
            ? TimeSpan.FromSeconds(seconds)
            : TimeSpan.FromSeconds(defaultSeconds);
}
