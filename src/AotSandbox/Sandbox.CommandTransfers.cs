using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace AotSandbox;

/// <summary>
/// Files larger than one frame on a server without <c>file.range</c> (Adobe's service): moved by commands that use only
/// the base protocol (docs/PROTOCOL.md §3.8). Upload: <c>cat</c> fed through <c>exec.input</c> (bytes, base64 on the
/// wire) into a temporary file beside the target, one command per slice, renamed over the target at the end. Download:
/// <c>base64 &lt; path</c> streamed through <c>exec.output</c> and decoded as it arrives. Client memory stays at one
/// input frame or one output chunk, whatever the file's size.
/// </summary>
public sealed partial class Sandbox
{
    /// <summary>
    /// Stdin bytes per upload command. Each command's exit confirms its slice (the protocol has no stdin flow control),
    /// so no more than this waits in the server for the process to read it (the emulator refuses more than 8 MiB).
    /// </summary>
    internal const int CommandSliceBytes = 4 * 1024 * 1024;

    /// <summary>Bytes per <c>exec.input</c> frame: their base64 (≈ 342 KiB) keeps the frame far under 1 MiB.</summary>
    internal const int CommandInputFrameBytes = 256 * 1024;

    /// <summary>Exit code the download command uses for "no such file / not a regular file" (reported as the errno name on stderr).</summary>
    private const int MissingFileExitCode = 66;

    /// <summary>Exit code the download command uses when the sandbox has no <c>base64</c>.</summary>
    private const int NoBase64ExitCode = 67;

    /// <summary>Longest stderr kept for an error message.</summary>
    private const int MaxErrorTextChars = 2048;

    /// <summary>One slice command may take this long (4 MiB into a sandbox's tmpfs takes well under a second).</summary>
    private static readonly TimeSpan s_sliceTimeout = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Whether a refused whole-file read should be retried by command: the emulator says <c>FILE_TOO_LARGE</c>; any
    /// refusal that is not an errno name (<c>ENOENT</c>, <c>EACCES</c>, …) may be another server's way of saying the
    /// same, and the command then reports the real cause itself. Only an <c>error</c> frame on a connection that is
    /// still open qualifies: a lost connection (its subclasses, a close code) is reported as it is.
    /// </summary>
    private bool IsTooLargeForOneFrame(SandboxClientException error) =>
        error.GetType() == typeof(SandboxClientException) && error.CloseCode is null && _session is { IsOpen: true } &&
        (error.ErrorCode is not { Length: > 1 } code || code == "FILE_TOO_LARGE" || code[0] != 'E' || code.AsSpan(1).IndexOfAnyExceptInRange('A', 'Z') >= 0);

    /// <summary>Uploads <paramref name="source"/> (from its position to its end) by commands; <paramref name="head"/> is sent first.</summary>
    private async Task<WriteResult> UploadByCommandsAsync(string path, ReadOnlyMemory<byte> head, Stream source, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        if (path.Length == 0 || path.EndsWith('/'))
        {
            throw new SandboxClientException($"'{path}' names a directory, not a file") { ErrorCode = "EISDIR" };
        }

        int slash = path.LastIndexOf('/');
        string temporary = path[..(slash + 1)] + ".aotsb-upload-" + Guid.NewGuid().ToString("N");
        string quotedPath = ShellQuote(path);
        string quotedTemporary = ShellQuote(temporary);
        byte[] frame = new byte[CommandInputFrameBytes];
        long total = 0;
        bool first = true;
        bool sourceEnded = false;
        try
        {
            while (first || !sourceEnded)
            {
                // The first slice creates the parents and the temporary file; later ones append to it.
                string command = first
                    ? $"mkdir -p -- \"$(dirname -- {quotedPath})\" && cat > {quotedTemporary}"
                    : $"cat >> {quotedTemporary}";
                ExecTask slice = Exec(command, new ExecOptions { Timeout = s_sliceTimeout, CancellationToken = cancellationToken });
                long sent = 0;
                while (sent < CommandSliceBytes && !slice.IsCompleted)
                {
                    int want = (int)Math.Min(frame.Length, CommandSliceBytes - sent);
                    int filled = 0;
                    if (!head.IsEmpty)
                    {
                        filled = Math.Min(want, head.Length);
                        head.Span[..filled].CopyTo(frame);
                        head = head[filled..];
                    }

                    if (filled < want)
                    {
                        filled += await source.ReadAtLeastAsync(frame.AsMemory(filled, want - filled), want - filled, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                    }

                    if (filled > 0)
                    {
                        await WriteStdinAsync(slice.ExecId, frame.AsMemory(0, filled), cancellationToken).ConfigureAwait(false);
                        sent += filled;
                    }

                    if (filled < want)
                    {
                        sourceEnded = true;
                        break;
                    }
                }

                if (!slice.IsCompleted)
                {
                    await CloseStdinAsync(slice.ExecId, cancellationToken).ConfigureAwait(false);
                }

                ExecResult result = await slice.ConfigureAwait(false);
                if (result.Destroyed)
                {
                    return new WriteResult(path, total, ok: false);
                }

                ThrowIfFailed(result, $"Writing '{path}' by command");
                total += sent;
                first = false;
                progress?.Report(total);
            }

            ExecResult rename = await Exec($"mv -f -- {quotedTemporary} {quotedPath}", new ExecOptions { Timeout = s_sliceTimeout, CancellationToken = cancellationToken }).ConfigureAwait(false);
            if (rename.Destroyed)
            {
                return new WriteResult(path, total, ok: false);
            }

            ThrowIfFailed(rename, $"Moving the upload into place at '{path}'");
            temporary = string.Empty; // renamed: nothing to clean up
            return new WriteResult(path, total, ok: true);
        }
        finally
        {
            if (temporary.Length > 0)
            {
                await RemoveQuietlyAsync(quotedTemporary).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Downloads by streaming <c>base64 &lt; path</c> and decoding it chunk by chunk into <paramref name="destination"/>.</summary>
    private async Task<long> DownloadByCommandAsync(string path, Stream destination, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        string command =
            $"p={ShellQuote(path)}; " +
            $"if [ ! -e \"$p\" ]; then echo \"ENOENT: no such file or directory: $p\" >&2; exit {MissingFileExitCode}; fi; " +
            $"if [ ! -f \"$p\" ]; then echo \"EISDIR: not a regular file: $p\" >&2; exit {MissingFileExitCode}; fi; " +
            $"if ! command -v base64 >/dev/null 2>&1; then echo 'the sandbox has no base64 command (coreutils), which downloads of files larger than one frame need on a server without file.range' >&2; exit {NoBase64ExitCode}; fi; " +
            "exec base64 < \"$p\"";
        ExecStream stream = ExecStreamAsync(command, new ExecOptions { CaptureOutput = false }, cancellationToken);
        var decoder = new Base64StreamDecoder();
        var errors = new StringBuilder();
        long received = 0;
        await foreach (OutputChunk chunk in stream.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (chunk.Stream == OutputStream.Stderr)
            {
                errors.Append(chunk.Text.AsSpan(0, Math.Min(chunk.Text.Length, Math.Max(0, MaxErrorTextChars - errors.Length))));
                continue;
            }

            ReadOnlyMemory<byte> bytes = decoder.Decode(chunk.Text);
            if (!bytes.IsEmpty)
            {
                await destination.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
                received += bytes.Length;
                progress?.Report(received);
            }
        }

        ExecResult result = await stream.Completion.ConfigureAwait(false);
        if (result.Destroyed)
        {
            return received;
        }

        ThrowIfFailed(new ExecResult(result.ExecId, string.Empty, errors.ToString(), result.ExitCode, result.Destroyed), $"Reading '{path}' by command");
        decoder.Finish(path);
        return received;
    }

    private static void ThrowIfFailed(ExecResult result, string what)
    {
        if (result.ExitCode == 0)
        {
            return;
        }

        string detail = result.Stderr.Trim();
        string? code = null;
        int colon = detail.IndexOf(':', StringComparison.Ordinal);
        if (result.ExitCode == MissingFileExitCode && colon > 1)
        {
            code = detail[..colon];
        }

        throw new SandboxClientException(
            $"{what} failed with exit code {result.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "unknown"}: {(detail.Length == 0 ? "no error output" : detail)}")
        {
            ErrorCode = code,
        };
    }

    /// <summary>Removes a half-written temporary file; a failure here must not hide the original error.</summary>
    private async Task RemoveQuietlyAsync(string quotedTemporary)
    {
        try
        {
            await Exec($"rm -f -- {quotedTemporary}", new ExecOptions { Timeout = TimeSpan.FromSeconds(30) }).ConfigureAwait(false);
        }
        catch (SandboxException)
        {
            // Best effort: the original failure is what the caller needs to see.
        }
    }

    /// <summary>Single-quotes a word for <c>sh</c>: nothing inside is expanded; a quote becomes <c>'\''</c>.</summary>
    internal static string ShellQuote(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>A read-only stream over memory without copying it when it is backed by an array.</summary>
    private static MemoryStream StreamOver(ReadOnlyMemory<byte> content) =>
        MemoryMarshal.TryGetArray(content, out ArraySegment<byte> segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(content.ToArray(), writable: false);
}
