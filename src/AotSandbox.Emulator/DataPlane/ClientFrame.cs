namespace AotSandbox.Emulator.DataPlane;

/// <summary>The frame types a client may send; everything else is <see cref="Unknown"/>.</summary>
internal enum ClientFrameType
{
    Unknown,
    Auth,
    ExecRun,
    ExecInput,
    ExecEndInput,
    ExecKill,
    ExecGet,
    FileRead,
    FileWrite,
    FileList,

    /// <summary><c>exec.resize</c> of the <c>exec.pty</c> extension.</summary>
    ExecResize,
}

/// <summary>
/// One parsed client frame: the union of every field any frame type carries. Fields that were absent are null.
/// <see cref="InvalidField"/> names the first known field whose JSON type was wrong (answered with INVALID_REQUEST,
/// not a close: the envelope itself was fine).
/// </summary>
internal sealed record ClientFrame
{
    public required ClientFrameType Type { get; init; }
    public required string TypeName { get; init; }
    public string? ExecId { get; init; }
    public string? Token { get; init; }
    public string? Command { get; init; }
    public bool Detached { get; init; }
    public string? Data { get; init; }
    public string? Encoding { get; init; }
    public string? Signal { get; init; }
    public bool Replay { get; init; }
    public string? Path { get; init; }
    /// <summary>
    /// <c>file.write</c> content as the string's unescaped UTF-8 bytes (validated), owned by this frame: base64 of a
    /// 512 KiB chunk is decoded in place from here rather than through a 1.4 MB UTF-16 string.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1819", Justification = "The frame owns the array; it is decoded in place once.")]
    public byte[]? Content { get; init; }
    public long? Offset { get; init; }
    public long? Length { get; init; }
    public string? InvalidField { get; init; }

    /// <summary><c>exec.run</c> carried a <c>pty</c> object (the <c>exec.pty</c> extension), whatever its content.</summary>
    public bool PtyRequested { get; init; }

    /// <summary><c>rows</c>/<c>cols</c>: of the <c>pty</c> object for <c>exec.run</c>, top-level for <c>exec.resize</c>.</summary>
    public long? Rows { get; init; }

    public long? Cols { get; init; }

    /// <summary><c>file.read</c> asked for a binary <c>file.content</c> message (the <c>file.binary</c> extension, docs/PROTOCOL.md §4.7).</summary>
    public bool Binary { get; init; }

    /// <summary>
    /// <c>file.write</c> that came as a binary envelope (§4.7): its raw data, a slice of a pooled buffer the file operation
    /// owns. Null for a JSON <c>file.write</c>, whose bytes are in <see cref="Content"/>.
    /// </summary>
    public ReadOnlyMemory<byte>? BinaryContent { get; init; }
}
