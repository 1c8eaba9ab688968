using System.Globalization;

namespace AotSandbox.Emulator.Rest;

/// <summary>
/// Where a list page ended: the sort key (creation time in 100 ns ticks, then id) of its last entry. The next page
/// starts strictly after it, so a page boundary stays exact when sandboxes are created or end between two requests.
/// Clients treat the text as opaque; it is <c>{ticks}.{id}</c>.
/// </summary>
internal readonly record struct SandboxListCursor(long CreatedTicks, string Id) : IComparable<SandboxListCursor>
{
    /// <summary>Longest cursor accepted: 19 digits, a dot and an id of at most 128 characters.</summary>
    public const int MaxLength = 148;

    public int CompareTo(SandboxListCursor other)
    {
        int byTime = CreatedTicks.CompareTo(other.CreatedTicks);
        return byTime != 0 ? byTime : string.CompareOrdinal(Id, other.Id);
    }

    public override string ToString() => CreatedTicks.ToString(CultureInfo.InvariantCulture) + "." + Id;

    /// <summary>Parses a cursor this server issued; false for anything else (a 400, never a guess).</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out SandboxListCursor cursor)
    {
        cursor = default;
        int dot = text.IndexOf('.');
        if (text.Length > MaxLength || dot < 1 || dot > 19)
        {
            return false;
        }

        ReadOnlySpan<char> ticks = text[..dot];
        ReadOnlySpan<char> id = text[(dot + 1)..];
        foreach (char c in ticks)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        if (!long.TryParse(ticks, NumberStyles.None, CultureInfo.InvariantCulture, out long value) || id.IsEmpty || id.Length > 128)
        {
            return false;
        }

        foreach (char c in id)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-' && c != '_')
            {
                return false;
            }
        }

        cursor = new SandboxListCursor(value, id.ToString());
        return true;
    }
}
