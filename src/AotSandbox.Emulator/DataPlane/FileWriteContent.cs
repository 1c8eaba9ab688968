using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;

namespace AotSandbox.Emulator.DataPlane;

/// <summary>
/// The bytes a <c>file.write</c> carries: base64 (the protocol's only encoding; also assumed when <c>encoding</c> is
/// absent) decoded in place over the frame's own content bytes, or the UTF-8 text as-is for the lenient
/// <c>utf8</c>/<c>utf-8</c>. Accepts exactly what <see cref="Convert.FromBase64String(string)"/> did, line breaks included.
/// </summary>
internal static class FileWriteContent
{
    /// <summary>Decodes <paramref name="frame"/>'s content; on failure <paramref name="problem"/> says why (INVALID_REQUEST).</summary>
    public static bool TryDecode(ClientFrame frame, out ReadOnlyMemory<byte> content, [NotNullWhen(false)] out string? problem)
    {
        byte[] text = frame.Content ?? [];
        if (frame.Encoding is "utf8" or "utf-8")
        {
            content = text; // already validated UTF-8 by the parser
            problem = null;
            return true;
        }

        if (frame.Encoding is not (null or "base64"))
        {
            content = default;
            problem = "'encoding' must be \"base64\"";
            return false;
        }

        // In place: decoded bytes are never longer than their base64, and the frame owns the array.
        if (Base64.DecodeFromUtf8InPlace(text, out int written) != OperationStatus.Done)
        {
            content = default;
            problem = "'content' is not valid base64 (file.write always carries base64)";
            return false;
        }

        content = text.AsMemory(0, written);
        problem = null;
        return true;
    }
}
