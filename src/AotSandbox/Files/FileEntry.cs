namespace AotSandbox;

/// <summary>One entry of <see cref="Sandbox.ListFilesAsync"/>.</summary>
public sealed class FileEntry
{
    internal FileEntry(string name, string type, long? size)
    {
        Name = name;
        Type = type;
        Size = size;
    }

    /// <summary>The entry's name (not a path).</summary>
    public string Name { get; }

    /// <summary><c>file</c> or <c>directory</c> (other values are passed through).</summary>
    public string Type { get; }

    /// <summary>Size in bytes; usually absent for directories.</summary>
    public long? Size { get; }

    /// <summary>Whether <see cref="Type"/> is <c>directory</c>.</summary>
    public bool IsDirectory => string.Equals(Type, "directory", StringComparison.Ordinal);

    /// <inheritdoc/>
    public override string ToString() => Size is { } size ? $"{Name} ({Type}, {size} bytes)" : $"{Name} ({Type})";
}
