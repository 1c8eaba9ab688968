namespace AotSandbox;

/// <summary>A piece of command output as text (the string form of what an <see cref="OutputHandler"/> receives).</summary>
public readonly struct OutputChunk : IEquatable<OutputChunk>
{
    /// <summary>Creates a chunk.</summary>
    /// <param name="stream">Which stream the text came from.</param>
    /// <param name="text">The text.</param>
    public OutputChunk(OutputStream stream, string text)
    {
        Stream = stream;
        Text = text;
    }

    /// <summary>Which stream the text came from.</summary>
    public OutputStream Stream { get; }

    /// <summary>The text.</summary>
    public string Text { get; }

    /// <summary>Compares two chunks.</summary>
    /// <param name="left">A chunk.</param>
    /// <param name="right">Another chunk.</param>
    /// <returns>Whether stream and text are equal.</returns>
    public static bool operator ==(OutputChunk left, OutputChunk right) => left.Equals(right);

    /// <summary>Compares two chunks.</summary>
    /// <param name="left">A chunk.</param>
    /// <param name="right">Another chunk.</param>
    /// <returns>Whether stream or text differ.</returns>
    public static bool operator !=(OutputChunk left, OutputChunk right) => !left.Equals(right);

    /// <inheritdoc/>
    public bool Equals(OutputChunk other) => Stream == other.Stream && string.Equals(Text, other.Text, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is OutputChunk other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Stream, Text is null ? 0 : StringComparer.Ordinal.GetHashCode(Text));

    /// <inheritdoc/>
    public override string ToString() => $"{Stream}: {Text}";
}
