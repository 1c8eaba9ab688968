namespace AotSandbox;

/// <summary>The outcome of <see cref="Sandbox.WriteFileAsync(string, string, CancellationToken)"/>.</summary>
public sealed class WriteResult
{
    internal WriteResult(string path, long size, bool ok)
    {
        Path = path;
        Size = size;
        Ok = ok;
    }

    /// <summary>The path as the server reported it.</summary>
    public string Path { get; }

    /// <summary>Bytes written.</summary>
    public long Size { get; }

    /// <summary>True when written; false only when the sandbox was destroyed while the write was pending (a refusal throws).</summary>
    public bool Ok { get; }
}
