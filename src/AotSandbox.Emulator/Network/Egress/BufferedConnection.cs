using System.Globalization;
using System.Text;

namespace AotSandbox.Emulator.Network;

/// <summary>
/// A read buffer over one side of a relayed connection, with the few bounded operations HTTP framing needs:
/// wait for a whole head, copy exactly N bytes, relay chunked framing strictly, copy to end.
/// </summary>
internal sealed class BufferedConnection(Stream stream, int capacity = 64 * 1024)
{
    private readonly byte[] _buffer = new byte[capacity];
    private int _start;
    private int _end;

    /// <summary>The underlying stream (for writes).</summary>
    public Stream Stream => stream;

    /// <summary>Bytes buffered but not yet consumed.</summary>
    public ReadOnlyMemory<byte> Buffered => _buffer.AsMemory(_start, _end - _start);

    /// <summary>Marks <paramref name="n"/> buffered bytes consumed.</summary>
    public void Consume(int n) => _start += n;

    /// <summary>Appends bytes already read elsewhere (sniffed prefix) in front of the stream's data.</summary>
    public void Prepend(ReadOnlySpan<byte> data)
    {
        data.CopyTo(_buffer.AsSpan(_end));
        _end += data.Length;
    }

    /// <summary>Reads more into the buffer; false at end of stream or when the buffer is full.</summary>
    public async ValueTask<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0 && _start == _end) { _start = 0; _end = 0; }
        if (_end == _buffer.Length && _start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length)
        {
            return false;
        }

        int n = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
        _end += n;
        return n > 0;
    }

    /// <summary>Copies exactly <paramref name="count"/> bytes to <paramref name="destination"/>.</summary>
    public async Task CopyExactAsync(long count, Stream destination, CancellationToken cancellationToken)
    {
        while (count > 0)
        {
            if (_start == _end && !await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new EndOfStreamException("body ended early");
            }

            int n = (int)Math.Min(count, _end - _start);
            await destination.WriteAsync(_buffer.AsMemory(_start, n), cancellationToken).ConfigureAwait(false);
            _start += n;
            count -= n;
        }
    }

    /// <summary>Copies everything until end of stream.</summary>
    public async Task CopyToEndAsync(Stream destination, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_start < _end)
            {
                await destination.WriteAsync(_buffer.AsMemory(_start, _end - _start), cancellationToken).ConfigureAwait(false);
                _start = _end;
            }
            if (!await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                return;
            }
        }
    }

    /// <summary>Relays a chunked body (chunks, last chunk, trailers) strictly; refuses malformed sizes or line ends.</summary>
    public async Task CopyChunkedAsync(Stream destination, CancellationToken cancellationToken)
    {
        while (true)
        {
            string line = await ReadLineAsync(destination, cancellationToken).ConfigureAwait(false);
            string sizeText = line.Split(';')[0];
            if (sizeText.Length is 0 or > 15 || !long.TryParse(sizeText, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out long size))
            {
                throw new InvalidDataException("malformed chunk size");
            }

            if (size == 0)
            {
                break;
            }

            await CopyExactAsync(size, destination, cancellationToken).ConfigureAwait(false);
            if ((await ReadLineAsync(destination, cancellationToken).ConfigureAwait(false)).Length != 0)
            {
                throw new InvalidDataException("chunk data not followed by CRLF");
            }
        }
        // Trailers end with an empty line.
        for (int i = 0; i < 64; i++)
        {
            if ((await ReadLineAsync(destination, cancellationToken).ConfigureAwait(false)).Length == 0)
            {
                return;
            }
        }
        throw new InvalidDataException("too many trailers");
    }

    /// <summary>Reads one CRLF-terminated line (≤ 4 KiB), forwarding it verbatim; bare LF is refused.</summary>
    private async ValueTask<string> ReadLineAsync(Stream destination, CancellationToken cancellationToken)
    {
        while (true)
        {
            int lf = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (lf >= 0)
            {
                if (lf == _start || _buffer[lf - 1] != (byte)'\r')
                {
                    throw new InvalidDataException("bare LF in chunked framing");
                }

                string line = Encoding.Latin1.GetString(_buffer, _start, lf - 1 - _start);
                if (line.Contains('\r', StringComparison.Ordinal))
                {
                    throw new InvalidDataException("bare CR in chunked framing");
                }

                await destination.WriteAsync(_buffer.AsMemory(_start, lf + 1 - _start), cancellationToken).ConfigureAwait(false);
                _start = lf + 1;
                return line;
            }
            if (_end - _start > 4096)
            {
                throw new InvalidDataException("chunk line too long");
            }

            if (!await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new EndOfStreamException("chunked body ended early");
            }
        }
    }
}
