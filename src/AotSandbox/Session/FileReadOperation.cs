using System.Buffers;
using System.Buffers.Text;
using AotSandbox.Protocol;

namespace AotSandbox.Session;

/// <summary>
/// One piece of a file read: the bytes plus the <c>file.range</c> metadata when the server sent it. When the bytes were
/// copied straight into the read's destination, <see cref="Data"/> is empty and <see cref="InPlace"/> says how many.
/// </summary>
internal readonly record struct FileChunk(byte[] Data, long? Offset, long? TotalSize, bool? Eof, bool Destroyed, int InPlace = -1);

/// <summary><c>file.read</c> → <c>file.content</c> (base64, or raw text when the server sent no encoding, or a binary message with <c>file.binary</c>).</summary>
internal sealed class FileReadOperation : PendingFileOperation
{
    private readonly Memory<byte> _destination;

    /// <param name="key">The operation's id.</param>
    /// <param name="execId">The id as sent.</param>
    /// <param name="path">For messages.</param>
    /// <param name="destination">
    /// Where a binary answer's bytes go when they fit (no array of their own): the caller's final buffer, which must not
    /// be reused if the caller stops waiting (a late answer may still land in it).
    /// </param>
    public FileReadOperation(FrameId key, string execId, string path, Memory<byte> destination = default)
        : base(key, execId, path)
    {
        _destination = destination;
    }

    public TaskCompletionSource<FileChunk> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override bool TryComplete(ref ServerFrame frame)
    {
        if (frame.Type != FrameType.FileContent)
        {
            return false;
        }

        byte[] data;
        try
        {
            data = Decode(frame.Content, frame.IsBase64);
        }
        catch (FormatException)
        {
            Completion.TrySetException(new SandboxClientException($"file.read returned invalid base64 content for path '{Path}'"));
            return true;
        }

        Completion.TrySetResult(new FileChunk(data, frame.Offset, frame.Size, frame.Eof, Destroyed: false));
        return true;
    }

    /// <summary>The bytes are copied once, out of the transport's buffer into the destination or an array of exactly their length.</summary>
    public override bool TryCompleteBinary(ref ServerFrame header, in ReadOnlySequence<byte> data)
    {
        if (!_destination.IsEmpty && data.Length <= _destination.Length)
        {
            data.CopyTo(_destination.Span);
            Completion.TrySetResult(new FileChunk([], header.Offset, header.Size, header.Eof, Destroyed: false, InPlace: (int)data.Length));
            return true;
        }

        byte[] bytes = data.IsEmpty ? [] : GC.AllocateUninitializedArray<byte>(checked((int)data.Length));
        data.CopyTo(bytes);
        Completion.TrySetResult(new FileChunk(bytes, header.Offset, header.Size, header.Eof, Destroyed: false));
        return true;
    }

    public override void Fail(Exception error) => Completion.TrySetException(error);

    public override void ResolveDestroyed() => Completion.TrySetResult(new FileChunk([], null, null, true, Destroyed: true));

    internal static byte[] Decode(JsonText content, bool base64)
    {
        if (!content.IsPresent)
        {
            return [];
        }

        // Base64 may legally arrive with escaped solidus ("\/"), so unescape first when the token has escapes.
        byte[]? rented = null;
        ReadOnlySpan<byte> text = content.Raw;
        if (content.IsEscaped)
        {
            rented = ArrayPool<byte>.Shared.Rent(content.MaxLength);
            text = rented.AsSpan(0, content.CopyTo(rented));
        }

        try
        {
            if (!base64)
            {
                return text.ToArray();
            }

            byte[] decoded = new byte[Base64.GetMaxDecodedFromUtf8Length(text.Length)];
            OperationStatus status = Base64.DecodeFromUtf8(text, decoded, out _, out int written);
            // Base64.DecodeFromUtf8 skips whitespace itself, so MIME-style content with line breaks decodes here too
            // (the service's own clients accept it; FileTests.ReadFile_Base64WithLineBreaks_IsDecoded pins it).
            if (status != OperationStatus.Done)
            {
                throw new FormatException("invalid base64");
            }

            return written == decoded.Length ? decoded : decoded.AsSpan(0, written).ToArray();
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
