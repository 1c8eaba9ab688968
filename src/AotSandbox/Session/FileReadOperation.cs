using System.Buffers;
using System.Buffers.Text;
using AotSandbox.Protocol;

namespace AotSandbox.Session;

/// <summary>One piece of a file read: the bytes plus the <c>file.range</c> metadata when the server sent it.</summary>
internal readonly record struct FileChunk(byte[] Data, long? Offset, long? TotalSize, bool? Eof, bool Destroyed);

/// <summary><c>file.read</c> → <c>file.content</c> (base64, or raw text when the server sent no encoding, or a binary message with <c>file.binary</c>).</summary>
internal sealed class FileReadOperation : PendingFileOperation
{
    public FileReadOperation(FrameId key, string execId, string path)
        : base(key, execId, path)
    {
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

    /// <summary>The bytes are copied once, out of the transport's buffer into an array of exactly their length.</summary>
    public override bool TryCompleteBinary(ref ServerFrame header, in ReadOnlySequence<byte> data)
    {
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
