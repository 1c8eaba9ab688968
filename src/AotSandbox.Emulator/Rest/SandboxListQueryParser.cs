using System.Globalization;

namespace AotSandbox.Emulator.Rest;

/// <summary>
/// Turns the list request's query values (<c>limit</c>, <c>cursor</c>, <c>all</c>) into a <see cref="SandboxListQuery"/>
/// or one sentence for the 400. Pure: each parameter arrives as the values the query string held for it, so a repeated
/// parameter is refused instead of one copy being picked silently. Other parameters are ignored, as unknown body
/// fields are on create.
/// </summary>
internal static class SandboxListQueryParser
{
    /// <summary>Entries per page when the client names no limit.</summary>
    public const int DefaultLimit = 100;

    /// <summary>Most entries one page may hold (the bounds style of the data plane: 256 of anything per request).</summary>
    public const int MaxLimit = 256;

    public static bool TryParse(string?[] limit, string?[] cursor, string?[] all, out SandboxListQuery? query, out string? error)
    {
        query = null;
        if (!TrySingle("limit", limit, out string? limitText, out error)
            || !TrySingle("cursor", cursor, out string? cursorText, out error)
            || !TrySingle("all", all, out string? allText, out error))
        {
            return false;
        }

        int pageSize = DefaultLimit;
        if (limitText is not null
            && (limitText.Length is 0 or > 3
                || !int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out pageSize)
                || pageSize is < 1 or > MaxLimit))
        {
            error = $"'limit' must be a whole number between 1 and {MaxLimit} (got \"{Truncate(limitText)}\").";
            return false;
        }

        SandboxListCursor? after = null;
        if (cursorText is not null)
        {
            if (!SandboxListCursor.TryParse(cursorText, out SandboxListCursor parsed))
            {
                error = "'cursor' is not one this server issued; pass the 'nextCursor' of the previous page unchanged, or omit it to start over.";
                return false;
            }

            after = parsed;
        }

        bool includeEnded = false;
        if (allText is not null)
        {
            if (allText is not ("true" or "false"))
            {
                error = $"'all' must be true or false (got \"{Truncate(allText)}\").";
                return false;
            }

            includeEnded = allText == "true";
        }

        query = new SandboxListQuery(pageSize, after, includeEnded);
        return true;
    }

    private static bool TrySingle(string name, string?[] values, out string? value, out string? error)
    {
        value = null;
        error = null;
        if (values.Length > 1)
        {
            error = $"'{name}' is given {values.Length} times; give it once.";
            return false;
        }

        value = values.Length == 1 ? values[0] : null;
        return true;
    }

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
