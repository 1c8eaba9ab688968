using System.Text;
using AotSandbox.Session;

namespace AotSandbox;

/// <summary>File operations. Relative paths resolve against <c>/workspace</c>; parent directories are created on write.</summary>
public sealed partial class Sandbox
{
    /// <summary>Chunk size of ranged transfers: its base64 (≈ 683 KiB) keeps every frame under 1 MiB.</summary>
    internal const int RangeChunkBytes = 512 * 1024;

    /// <summary>
    /// Chunk size of ranged transfers with <c>file.binary</c>: raw bytes, so twice the JSON chunk still keeps every message
    /// under 1 MiB, and it is the emulator's largest single write to its agent (1 MiB less the room for the path), so
    /// each chunk is one agent request. Half as many round trips as with 512 KiB.
    /// </summary>
    internal const int BinaryChunkBytes = 1016 * 1024;

    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>File chunks travel as raw bytes in binary messages (<c>file.binary</c>, docs/PROTOCOL.md §4.7) when advertised.</summary>
    private bool BinaryFiles => HasExtension(SandboxExtensionNames.FileBinary);

    /// <summary>The chunk size of ranged transfers in either encoding.</summary>
    private static int ChunkBytesFor(bool binary) => binary ? BinaryChunkBytes : RangeChunkBytes;

    /// <summary>Writes text (UTF-8) to a file, replacing it.</summary>
    /// <param name="path">File path.</param>
    /// <param name="content">The text.</param>
    /// <param name="cancellationToken">Stops waiting for the reply.</param>
    /// <returns>Path and size as the server reported them.</returns>
    /// <exception cref="SandboxClientException">The server refused the write.</exception>
    public Task<WriteResult> WriteFileAsync(string path, string content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        return WriteFileAsync(path, Encoding.UTF8.GetBytes(content), cancellationToken);
    }

    /// <summary>
    /// Writes bytes to a file, replacing it. Large content is sent in 512 KiB chunks, several in flight, when the server
    /// advertises <c>file.range</c> (raw 1016 KiB chunks in binary messages when it also advertises <c>file.binary</c>); otherwise content over 512 KiB goes through commands (<c>cat</c> fed by stdin into a temporary
    /// file, then renamed), which only the base protocol needs.
    /// </summary>
    /// <param name="path">File path.</param>
    /// <param name="content">The bytes.</param>
    /// <param name="cancellationToken">Stops waiting for the reply.</param>
    /// <returns>Path and total size written.</returns>
    /// <exception cref="SandboxClientException">The server refused the write.</exception>
    public async Task<WriteResult> WriteFileAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        SandboxSession session = RequireSession();
        if (content.Length <= ChunkBytesFor(BinaryFiles))
        {
            return await session.WriteFileChunkAsync(path, content, offset: null, BinaryFiles, cancellationToken).ConfigureAwait(false);
        }

        if (!HasExtension(SandboxExtensionNames.FileRange))
        {
            // One frame would exceed the service's 1 MiB message cap: move it with commands instead (§3.8).
            using MemoryStream source = StreamOver(content);
            return await UploadByCommandsAsync(path, ReadOnlyMemory<byte>.Empty, source, progress: null, cancellationToken).ConfigureAwait(false);
        }

        return await WriteRangesAsync(session, path, content, BinaryFiles, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads a file as UTF-8 text (strict).</summary>
    /// <param name="path">File path.</param>
    /// <param name="cancellationToken">Stops waiting for the reply.</param>
    /// <returns>The text.</returns>
    /// <exception cref="SandboxClientException">The file is missing or not valid UTF-8.</exception>
    public async Task<string> ReadFileAsync(string path, CancellationToken cancellationToken = default)
    {
        byte[] bytes = await ReadFileBytesAsync(path, cancellationToken).ConfigureAwait(false);
        try
        {
            return s_strictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException ex)
        {
            throw new SandboxClientException($"File '{path}' is not valid UTF-8 text; use ReadFileBytesAsync to read binary content", ex);
        }
    }

    /// <summary>
    /// Reads a file's bytes. With the <c>file.range</c> extension the file is fetched in 512 KiB ranges until the end
    /// (with <c>file.binary</c>, raw 1016 KiB ranges landing straight in the returned array), so
    /// files larger than one frame work; otherwise in one frame, and a file too large for one is read through
    /// <c>base64</c> run in the sandbox.
    /// </summary>
    /// <param name="path">File path.</param>
    /// <param name="cancellationToken">Stops waiting for the reply.</param>
    /// <returns>The content.</returns>
    /// <exception cref="SandboxClientException">The file is missing or unreadable.</exception>
    public async Task<byte[]> ReadFileBytesAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        SandboxSession session = RequireSession();
        if (!HasExtension(SandboxExtensionNames.FileRange))
        {
            try
            {
                FileChunk whole = await session.ReadFileChunkAsync(path, null, null, BinaryFiles, cancellationToken).ConfigureAwait(false);
                return whole.Data;
            }
            catch (SandboxClientException error) when (IsTooLargeForOneFrame(error))
            {
                using var collected = new MemoryStream();
                await DownloadByCommandAsync(path, collected, progress: null, cancellationToken).ConfigureAwait(false);
                return collected.ToArray();
            }
        }

        FileChunk first = await session.ReadFileChunkAsync(path, 0, ChunkBytesFor(BinaryFiles), BinaryFiles, cancellationToken).ConfigureAwait(false);
        if (first.Destroyed || first.Eof != false || first.Data.Length == 0)
        {
            return first.Data;
        }

        if (BinaryFiles && await ReadRangesInPlaceAsync(session, path, first, cancellationToken).ConfigureAwait(false) is { } placed)
        {
            return placed;
        }

        using var all = new MemoryStream(first.TotalSize is { } total && total <= int.MaxValue ? (int)total : first.Data.Length * 2);
        all.Write(first.Data);
        (_, bool destroyed) = await ReadFollowingRangesAsync(session, path, BinaryFiles, first, data =>
        {
            all.Write(data);
            return ValueTask.CompletedTask;
        }, progress: null, cancellationToken).ConfigureAwait(false);
        if (destroyed)
        {
            return [];
        }

        // Sized from the server's total: when the file did not change meanwhile the buffer is exactly the content,
        // and handing it out spares a second allocation and copy of the whole file.
        return all.Length == all.Capacity ? all.GetBuffer() : all.ToArray();
    }

    /// <summary>Lists a directory.</summary>
    /// <param name="path">Directory path (e.g. <c>.</c>).</param>
    /// <param name="cancellationToken">Stops waiting for the reply.</param>
    /// <returns>The entries.</returns>
    /// <exception cref="SandboxClientException">The directory is missing or unreadable.</exception>
    public async Task<IReadOnlyList<FileEntry>> ListFilesAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        return await RequireSession().ListFilesAsync(path, cancellationToken).ConfigureAwait(false);
    }
}
