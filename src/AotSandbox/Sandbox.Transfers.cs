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
    /// 512 KiB chunks, up to 4 in flight (memory stays at one chunk plus the encoded frames in flight; with
    /// <c>file.binary</c> the chunks are 1016 KiB and go raw, five chunk buffers and no encoded frames). Otherwise up to 512 KiB goes in one frame, and more through
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
        if (!HasExtension(SandboxExtensionNames.FileRange))
        {
            // One byte more than a frame holds tells "fits one file.write" apart from "needs commands" (§3.8).
            byte[] probe = new byte[RangeChunkBytes + 1];
            int head = await source.ReadAtLeastAsync(probe, probe.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (head <= RangeChunkBytes)
            {
                WriteResult single = await session.WriteFileChunkAsync(path, probe.AsMemory(0, head), offset: null, BinaryFiles, cancellationToken).ConfigureAwait(false);
                progress?.Report(single.Ok ? head : 0);
                return single;
            }

            return await UploadByCommandsAsync(path, probe, source, progress, cancellationToken).ConfigureAwait(false);
        }

        return await UploadRangesAsync(session, path, source, BinaryFiles, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads a file into a stream. With the <c>file.range</c> extension it is fetched in 512 KiB ranges (1016 KiB of raw
    /// bytes with <c>file.binary</c>), up to 4 in
    /// flight, and each range is written to <paramref name="destination"/> in order as it arrives. Otherwise in one frame, and a file too large for one
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
                whole = await session.ReadFileChunkAsync(path, null, null, BinaryFiles, cancellationToken).ConfigureAwait(false);
            }
            catch (SandboxClientException error) when (IsTooLargeForOneFrame(error))
            {
                return await DownloadByCommandAsync(path, destination, progress, cancellationToken).ConfigureAwait(false);
            }

            await destination.WriteAsync(whole.Data, cancellationToken).ConfigureAwait(false);
            progress?.Report(whole.Data.Length);
            return whole.Data.Length;
        }

        FileChunk first = await session.ReadFileChunkAsync(path, 0, ChunkBytesFor(BinaryFiles), BinaryFiles, cancellationToken).ConfigureAwait(false);
        if (first.Destroyed)
        {
            return 0;
        }

        await destination.WriteAsync(first.Data, cancellationToken).ConfigureAwait(false);
        progress?.Report(first.Data.Length);
        if (first.Eof != false || first.Data.Length == 0)
        {
            return first.Data.Length;
        }

        (long received, _) = await ReadFollowingRangesAsync(session, path, BinaryFiles, first, data => destination.WriteAsync(data, cancellationToken), progress, cancellationToken).ConfigureAwait(false);
        return received;
    }
}
