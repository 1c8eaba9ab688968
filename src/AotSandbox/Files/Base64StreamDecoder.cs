using System.Buffers;

namespace AotSandbox;

/// <summary>
/// Decodes base64 text that arrives in arbitrary pieces (output chunks split anywhere, <c>base64</c>'s line breaks
/// in between) with fixed buffers: each call decodes every complete 4-character group and keeps the rest for the next.
/// </summary>
internal sealed class Base64StreamDecoder
{
    /// <summary>Characters buffered before a decode; an output frame carries at most 64 KiB of text.</summary>
    private const int TextCapacity = 64 * 1024;

    private readonly char[] _text = new char[TextCapacity + 4];
    private readonly byte[] _bytes = new byte[(TextCapacity + 4) / 4 * 3];
    private readonly ArrayBufferWriter<byte> _decoded = new(TextCapacity / 4 * 3);
    private int _pending;
    private bool _ended;

    /// <summary>Decodes what <paramref name="text"/> completes; the result is valid until the next call.</summary>
    /// <exception cref="SandboxClientException">The text is not base64.</exception>
    public ReadOnlyMemory<byte> Decode(string text)
    {
        _decoded.ResetWrittenCount();
        foreach (char c in text)
        {
            if (c is '\n' or '\r' or ' ' or '\t')
            {
                continue;
            }

            if (_ended)
            {
                throw new SandboxClientException("The download command printed data after the end of its base64 output");
            }

            _text[_pending++] = c;
            if (_pending == _text.Length)
            {
                Flush();
            }
        }

        Flush();
        return _decoded.WrittenMemory;
    }

    /// <summary>Checks that nothing is left over once the command has ended.</summary>
    public void Finish(string path)
    {
        if (_pending != 0)
        {
            throw new SandboxClientException($"The download of '{path}' ended in the middle of a base64 group (truncated output)");
        }
    }

    private void Flush()
    {
        int whole = _pending / 4 * 4;
        if (whole == 0)
        {
            return;
        }

        if (!Convert.TryFromBase64Chars(_text.AsSpan(0, whole), _bytes, out int written))
        {
            throw new SandboxClientException("The download command's output is not base64");
        }

        // '=' padding only ever ends the output; anything after it is corrupt.
        _ended = _text[whole - 1] == '=';
        _decoded.Write(_bytes.AsSpan(0, written));
        _text.AsSpan(whole, _pending - whole).CopyTo(_text);
        _pending -= whole;
    }
}
