using System.Buffers;
using System.Text.Encodings.Web;

namespace AotSandbox.Protocol;

/// <summary>
/// <see cref="JavaScriptEncoder.UnsafeRelaxedJsonEscaping"/>, byte for byte, without building it for text that holds
/// only ASCII it would pass through. Building it costs ≈ 0.16 ms in a cold AOT process (its settings are made from
/// <c>UnicodeRanges.All</c>, one bitmap bit per BMP code point; the BCL builds it in the same static constructor as
/// <see cref="JavaScriptEncoder.Default"/>, so touching either pays for both), which every session paid before its
/// auth frame even though that frame and most commands are plain ASCII. The search for the first character to escape looks at
/// ASCII itself: the relaxed encoder escapes exactly the C0 controls, <c>"</c>, <c>\</c> and DEL there
/// (<c>DeferredRelaxedJsonEncoderTests</c> checks all 128 against it). From the first non-ASCII character on, and for
/// every escape, the relaxed encoder itself decides, so the output cannot differ.
/// </summary>
internal sealed class DeferredRelaxedJsonEncoder : JavaScriptEncoder
{
    // Printable ASCII the relaxed encoder never escapes: 0x20-0x7E without '"' and '\'.
    private const string PassThroughAscii =
        " !#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~";

    private static readonly SearchValues<char> s_passThroughChars = SearchValues.Create(PassThroughAscii);
    private static readonly SearchValues<byte> s_passThroughBytes = SearchValues.Create(System.Text.Encoding.ASCII.GetBytes(PassThroughAscii));

    private DeferredRelaxedJsonEncoder()
    {
    }

    /// <summary>The one instance (stateless).</summary>
    public static DeferredRelaxedJsonEncoder Instance { get; } = new();

    private static JavaScriptEncoder Relaxed => UnsafeRelaxedJsonEscaping;

    public override int MaxOutputCharactersPerInputCharacter => Relaxed.MaxOutputCharactersPerInputCharacter;

    public override unsafe int FindFirstCharacterToEncode(char* text, int textLength)
    {
        int first = new ReadOnlySpan<char>(text, textLength).IndexOfAnyExcept(s_passThroughChars);
        if (first < 0 || text[first] < 0x80)
        {
            return first;
        }

        // Everything before is ASCII, so `first` starts a scalar: the relaxed encoder takes over from there.
        int rest = Relaxed.FindFirstCharacterToEncode(text + first, textLength - first);
        return rest < 0 ? -1 : first + rest;
    }

    public override int FindFirstCharacterToEncodeUtf8(ReadOnlySpan<byte> utf8Text)
    {
        int first = utf8Text.IndexOfAnyExcept(s_passThroughBytes);
        if (first < 0 || utf8Text[first] < 0x80)
        {
            return first;
        }

        int rest = Relaxed.FindFirstCharacterToEncodeUtf8(utf8Text[first..]);
        return rest < 0 ? -1 : first + rest;
    }

    public override unsafe bool TryEncodeUnicodeScalar(int unicodeScalar, char* buffer, int bufferLength, out int numberOfCharactersWritten)
        => Relaxed.TryEncodeUnicodeScalar(unicodeScalar, buffer, bufferLength, out numberOfCharactersWritten);

    public override bool WillEncode(int unicodeScalar) => Relaxed.WillEncode(unicodeScalar);

    public override OperationStatus EncodeUtf8(ReadOnlySpan<byte> utf8Source, Span<byte> utf8Destination, out int bytesConsumed, out int bytesWritten, bool isFinalBlock = true)
        => Relaxed.EncodeUtf8(utf8Source, utf8Destination, out bytesConsumed, out bytesWritten, isFinalBlock);

    public override OperationStatus Encode(ReadOnlySpan<char> source, Span<char> destination, out int charsConsumed, out int charsWritten, bool isFinalBlock = true)
        => Relaxed.Encode(source, destination, out charsConsumed, out charsWritten, isFinalBlock);

    public override string Encode(string value) => Relaxed.Encode(value);

    public override void Encode(TextWriter output, char[] value, int startIndex, int characterCount) => Relaxed.Encode(output, value, startIndex, characterCount);

    public override void Encode(TextWriter output, string value, int startIndex, int characterCount) => Relaxed.Encode(output, value, startIndex, characterCount);
}
