namespace AotSandbox;

/// <summary>Which output stream of a command a chunk came from.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "Names the process's stdout/stderr streams, the protocol's own word.")]
public enum OutputStream
{
    /// <summary>Standard output.</summary>
    Stdout,

    /// <summary>Standard error.</summary>
    Stderr,
}
