using System.Text;
using System.Text.Json;

namespace AotSandbox.Protocol;

/// <summary>
/// A JSON string value as a view over the frame bytes: <see cref="Quoted"/> includes the quotes, so an escaped value can be
/// decoded later by a fresh <see cref="Utf8JsonReader"/> without having been copied first.
/// </summary>
internal readonly ref struct JsonText
{
    public JsonText(ReadOnlySpan<byte> quoted, bool isEscaped)
    {
        Quoted = quoted;
        IsEscaped = isEscaped;
    }

    /// <summary>The token including its quotes; empty when the field was absent.</summary>
    public ReadOnlySpan<byte> Quoted { get; }

    /// <summary>Whether the value contains escape sequences (then <see cref="Raw"/> is not the value itself).</summary>
    public bool IsEscaped { get; }

    public bool IsPresent => Quoted.Length >= 2;

    /// <summary>The bytes between the quotes, still escaped when <see cref="IsEscaped"/>.</summary>
    public ReadOnlySpan<byte> Raw => IsPresent ? Quoted[1..^1] : default;

    /// <summary>An upper bound of the decoded length (unescaping never grows a value).</summary>
    public int MaxLength => Raw.Length;

    /// <summary>Writes the decoded UTF-8 value to <paramref name="destination"/> (at least <see cref="MaxLength"/> long) and returns its length.</summary>
    public int CopyTo(Span<byte> destination)
    {
        if (!IsEscaped)
        {
            Raw.CopyTo(destination);
            return Raw.Length;
        }

        // The token was validated when the frame was read: decode without a second validating pass.
        return JsonStringUnescaper.Unescape(Raw, destination);
    }

    /// <summary>The decoded value as a string (allocates; for cold paths), or <see langword="null"/> when absent.</summary>
    public string? GetString()
    {
        if (!IsPresent)
        {
            return null;
        }

        if (!IsEscaped)
        {
            return Encoding.UTF8.GetString(Raw);
        }

        // Same decoder as CopyTo, so a lone surrogate escape (valid JSON that Utf8JsonReader.GetString refuses) becomes
        // U+FFFD here too instead of throwing inside the receive loop (found by the server-frame fuzz property).
        byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(Math.Max(1, MaxLength));
        try
        {
            int length = JsonStringUnescaper.Unescape(Raw, buffer);
            return Encoding.UTF8.GetString(buffer, 0, length);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Compares the decoded value with UTF-8 text without allocating.</summary>
    public bool ValueEquals(ReadOnlySpan<byte> utf8)
    {
        if (!IsPresent)
        {
            return false;
        }

        if (!IsEscaped)
        {
            return Raw.SequenceEqual(utf8);
        }

        var reader = new Utf8JsonReader(Quoted);
        reader.Read();
        return reader.ValueTextEquals(utf8);
    }
}
