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

        var reader = new Utf8JsonReader(Quoted);
        reader.Read();
        try
        {
            return reader.CopyString(destination);
        }
        catch (InvalidOperationException)
        {
            // An escaped lone surrogate (\ud83d without its pair) is valid JSON syntax that System.Text.Json refuses to
            // decode. A hostile or buggy server must not end the session with it (found by fuzzing): deliver the value
            // verbatim, still escaped, which is lossless for the caller to inspect.
            Raw.CopyTo(destination);
            return Raw.Length;
        }
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

        var reader = new Utf8JsonReader(Quoted);
        reader.Read();
        try
        {
            return reader.GetString();
        }
        catch (InvalidOperationException)
        {
            // See CopyTo: an escaped lone surrogate is delivered verbatim.
            return Encoding.UTF8.GetString(Raw);
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
        try
        {
            return reader.ValueTextEquals(utf8);
        }
        catch (InvalidOperationException)
        {
            return false; // an undecodable value equals nothing
        }
    }
}
