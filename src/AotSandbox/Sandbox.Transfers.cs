using AotSandbox.Session;

namespace AotSandbox;

/// <summary>
/// Stream transfers: files of any size move chunk by chunk between a <see cref="Stream"/> and the sandbox without being
/// held in memory whole, with progress reports (what `aotsandbox cp` shows on a terminal).
/// </summary>
public sealed partial class Sandbox
{
    /// <summary>
    /// Writes a file from a stream, replacing it. With the <c>file.range</c> extension the content is read and sent in
    /// ordered 512 KiB chunks (memory stays at one chunk). Otherwise up to 512 KiB goes in one frame, and more through
    /// commands fed by stdin in 4 MiB slices (memory stays at one frame; docs/PROTOCOL.md §3.8).
    /// </summary>
    /// <param name="path">File path (relative paths resolve against <c>/workspace</c>).</param>
    /// <param name="source">Read from its current position to its end.</param>
    /// <param name="progress">Receives the total bytes written so far after each chunk the server confirmed.</param>
    /// <param name="cancellationToken">Stops reading the source and waiting for replies.</param>
    /// <returns>Path and total size written (<see cref="WriteResult.Ok"/> false when the sandbox was destroyed meanwhile).</returns>
    /// <exception cref="SandboxClientException">The server refused a write.</exception>
    public async Task<WriteResult> UploadFileAsync(string path, Stream source, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(source);
        SandboxSession session = RequireSession();
        byte[] buffer = new byte[RangeChunkBytes];
        if (!HasExtension(SandboxExtensionNames.FileRange))
        {
            // One byte more than a frame holds tells "fits one file.write" apart from "needs commands" (§3.8).
            byte[] probe = new byte[RangeChunkBytes + 1];
            int head = await source.ReadAtLeastAsync(probe, probe.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (head <= RangeChunkBytes)
            {
                WriteResult single = await session.WriteFileChunkAsync(path, probe.AsMemory(0, head), offset: null, cancellationToken).ConfigureAwait(false);
                progress?.Report(single.Ok ? head : 0);
                return single;
            }

            return await UploadByCommandsAsync(path, probe, source, progress, cancellationToken).ConfigureAwait(false);
        }

        long offset = 0;
        string writtenPath = path;
        while (true)
        {
            int filled = await source.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (filled == 0 && offset > 0)
            {
                break; // the previous chunk ended exactly at the end
            }

            // The first chunk carries no offset, so it creates (truncates) the file; later ones append at their offset.
            WriteResult chunk = await session.WriteFileChunkAsync(path, buffer.AsMemory(0, filled), offset == 0 ? null : offset, cancellationToken).ConfigureAwait(false);
            if (!chunk.Ok)
            {
                return new WriteResult(chunk.Path, offset, ok: false); // destroyed meanwhile
            }

            writtenPath = chunk.Path;
            offset += filled;
            progress?.Report(offset);
            if (filled < buffer.Length)
            {
                break;
            }
        }

        return new WriteResult(writtenPath, offset, ok: true);
    }

    /// <summary>
    /// Reads a file into a stream. With the <c>file.range</c> extension it is fetched in 512 KiB ranges and each range
    /// is written to <paramref name="destination"/> as it arrives. Otherwise in one frame, and a file too large for one
    /// is streamed through <c>base64</c> run in the sandbox and decoded as it arrives (docs/PROTOCOL.md §3.8).
    /// </summary>
    /// <param name="path">File path (relative paths resolve against <c>/workspace</c>).</param>
    /// <param name="destination">Receives the bytes.</param>
    /// <param name="progress">Receives the total bytes received so far after each chunk.</param>
    /// <param name="cancellationToken">Stops waiting for replies and writing.</param>
    /// <returns>How many bytes were written to <paramref name="destination"/>.</returns>
    /// <exception cref="SandboxClientException">The file is missing or unreadable.</exception>
    public async Task<long> DownloadFileAsync(string path, Stream destination, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(destination);
        SandboxSession session = RequireSession();
        if (!HasExtension(SandboxExtensionNames.FileRange))
        {
            FileChunk whole;
            try
            {
                whole = await session.ReadFileChunkAsync(path, null, null, cancellationToken).ConfigureAwait(false);
            }
            catch (SandboxClientException error) when (IsTooLargeForOneFrame(error))
            {
                return await DownloadByCommandAsync(path, destination, progress, cancellationToken).ConfigureAwait(false);
            }

            await destination.WriteAsync(whole.Data, cancellationToken).ConfigureAwait(false);
            progress?.Report(whole.Data.Length);
            return whole.Data.Length;
        }

        long received = 0;
        while (true)
        {
            FileChunk chunk = await session.ReadFileChunkAsync(path, received, RangeChunkBytes, cancellationToken).ConfigureAwait(false);
            if (chunk.Destroyed)
            {
                return received;
            }

            await destination.WriteAsync(chunk.Data, cancellationToken).ConfigureAwait(false);
            received += chunk.Data.Length;
            progress?.Report(received);
            if (chunk.Eof != false || chunk.Data.Length == 0)
            {
                return received;
            }
        }
    }
}
