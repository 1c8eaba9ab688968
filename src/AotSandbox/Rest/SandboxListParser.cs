using System.Collections.ObjectModel;
using System.Globalization;
using System.Text.Json;

namespace AotSandbox.Rest;

/// <summary>One parsed list page: its sandboxes, the cursor of the next page, and whether the body advertised the extension.</summary>
internal sealed record SandboxListPage(IReadOnlyList<SandboxSummary> Sandboxes, string? NextCursor, bool Advertised);

/// <summary>
/// Reads one list answer (docs/PROTOCOL.md §4.6). Pure: text in, page out. An entry that is not an object with a
/// string <c>sandboxId</c> is dropped; a field in an unexpected shape becomes null; a body that is not a JSON object,
/// or whose <c>sandboxes</c> is not an array, fails: the SDK never guesses a list out of an answer it does not know.
/// </summary>
internal static class SandboxListParser
{
    /// <summary>Longest cursor carried back to the service (the emulator's are under 150 characters).</summary>
    public const int MaxCursorLength = 4096;

    public static SandboxListPage Parse(string body)
    {
        SandboxListResponse? response;
        try
        {
            response = JsonSerializer.Deserialize(body, RestJsonContext.Default.SandboxListResponse);
        }
        catch (JsonException ex)
        {
            throw new SandboxClientException($"Could not list sandboxes: the response is not a JSON object ({ex.Message})", ex);
        }

        if (response is null)
        {
            throw new SandboxClientException("Could not list sandboxes: the response body is JSON null");
        }

        bool advertised = PreviewUrlParser.ParseStrings(response.Extensions).Contains(SandboxExtensionNames.SandboxList);
        if (!advertised)
        {
            // Nothing else is read: the body of an unknown endpoint must not be mistaken for a list.
            return new SandboxListPage([], null, false);
        }

        if (response.Sandboxes.ValueKind != JsonValueKind.Array)
        {
            throw new SandboxClientException("Could not list sandboxes: the response has no 'sandboxes' array");
        }

        var sandboxes = new List<SandboxSummary>(response.Sandboxes.GetArrayLength());
        foreach (JsonElement item in response.Sandboxes.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.Object && ToSummary(item) is { } summary)
            {
                sandboxes.Add(summary);
            }
        }

        string? next = response.NextCursor.ValueKind == JsonValueKind.String ? response.NextCursor.GetString() : null;
        if (next is { Length: 0 })
        {
            next = null;
        }

        if (next is { Length: > MaxCursorLength })
        {
            throw new SandboxClientException($"Could not list sandboxes: the service's nextCursor is longer than {MaxCursorLength} characters");
        }

        return new SandboxListPage(sandboxes, next, true);
    }

    private static SandboxSummary? ToSummary(JsonElement item)
    {
        SandboxResponse? entry;
        try
        {
            entry = item.Deserialize(RestJsonContext.Default.SandboxResponse);
        }
        catch (JsonException)
        {
            return null; // e.g. "name": 5: one odd entry does not fail the listing
        }

        if (entry is null || string.IsNullOrEmpty(entry.SandboxId))
        {
            return null;
        }

        return new SandboxSummary(
            entry.SandboxId,
            entry.Name,
            entry.Status,
            Text(entry.Size),
            Time(entry.CreatedAt),
            Time(entry.ExpiresAt),
            new ReadOnlyDictionary<int, string>(PreviewUrlParser.Parse(entry.PreviewUrls)),
            Text(entry.Reason),
            entry.Cluster,
            entry.Region);
    }

    private static string? Text(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static DateTimeOffset? Time(JsonElement value) =>
        value.ValueKind == JsonValueKind.String
        && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset time)
            ? time
            : null;
}
