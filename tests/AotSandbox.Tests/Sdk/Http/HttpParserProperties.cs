using System.Buffers;
using System.Text;
using AotSandbox.Rest.Http;
using CsCheck;

namespace AotSandbox.Tests.Sdk.Http;

/// <summary>Property tests of the control-plane client's parsers: any body survives any chunking, any bytes are safe.</summary>
public sealed class HttpParserProperties
{
    /// <summary>A body split into chunks at arbitrary points, with random extensions, hex case and trailers.</summary>
    private static readonly Gen<(byte[] Body, byte[] Wire)> ChunkedBody =
        Gen.Select(Gen.Byte.Array[0, 3000], Gen.Int[1, 700].Array[1, 20], Gen.Bool, Gen.Bool, Gen.Bool).Select((body, cuts, upper, ext, trailer) =>
        {
            var wire = new StringBuilder();
            int offset = 0;
            int i = 0;
            while (offset < body.Length)
            {
                int size = Math.Min(cuts[i++ % cuts.Length], body.Length - offset);
                wire.Append(size.ToString(upper ? "X" : "x", System.Globalization.CultureInfo.InvariantCulture));
                wire.Append(ext ? ";a=\"b\"\r\n" : "\r\n").Append(Encoding.Latin1.GetString(body, offset, size)).Append("\r\n");
                offset += size;
            }

            wire.Append(trailer ? "0\r\nX-Checksum: 1\r\n\r\n" : "0\r\n\r\n");
            return (body, Encoding.Latin1.GetBytes(wire.ToString()));
        });

    [Fact]
    public void Chunked_RoundTrips_AndEveryStrictPrefixNeedsMoreData() =>
        ChunkedBody.Sample(sample =>
        {
            (byte[] body, byte[] wire) = sample;
            var (status, decoded, consumed) = ChunkedBodyDecoderTests.DecodeAll(wire);
            Assert.Equal(OperationStatus.Done, status);
            Assert.Equal(body, Encoding.Latin1.GetBytes(decoded));
            Assert.Equal(wire.Length, consumed);
            for (int cut = 0; cut < wire.Length; cut += Math.Max(1, wire.Length / 37))
            {
                Assert.Equal(OperationStatus.NeedMoreData, ChunkedBodyDecoderTests.DecodeAll(wire.AsSpan(0, cut)).Status);
            }
        });

    [Fact]
    public void Chunked_OverBudget_IsAlwaysInvalid_NeverPartial() =>
        ChunkedBody.Where(s => s.Body.Length > 0).Sample(sample =>
        {
            var (status, decoded, _) = ChunkedBodyDecoderTests.DecodeAll(sample.Wire, maxBody: sample.Body.Length - 1);
            Assert.Equal(OperationStatus.InvalidData, status);
            Assert.True(decoded.Length < sample.Body.Length);
        });

    [Fact]
    public void Decoders_NeverThrow_OnArbitraryBytes() =>
        Gen.Byte.Array[0, 600].Sample(bytes =>
        {
            OperationStatus s = HttpResponseHeadParser.TryParse(bytes, 512, out HttpResponseHead head, out int consumed);
            Assert.True(consumed <= bytes.Length);
            Assert.Equal(s == OperationStatus.InvalidData, head.Error != HttpHeadError.None);
            ChunkedBodyDecoderTests.DecodeAll(bytes, maxBody: 256, maxTrailer: 256);
        });

    private static readonly Gen<string> Token = Gen.Char["abcdefghijklmnopqrstuvwxyz-ABCXYZ0123456789"].Array[1, 12].Select(c => new string(c));

    private static readonly Gen<string> FieldValue = Gen.Char[" !\"#$%&'()*+,-./0123456789:;<=>?@ABCZ[\\]^_`abcz{|}~\t"].Array[0, 40].Select(c => new string(c).Trim(' ', '\t'));

    [Fact]
    public void Heads_WithArbitraryExtraFields_KeepTheirFraming() =>
        Gen.Select(Gen.Int[200, 599], Gen.Select(Token, FieldValue).Array[0, 12], Gen.Int[0, 100000], Gen.Bool).Sample((status, fields, length, close) =>
        {
            var text = new StringBuilder($"HTTP/1.1 {status} Whatever Reason\r\n");
            foreach ((string name, string value) in fields)
            {
                string n = name.ToUpperInvariant() is "CONTENT-LENGTH" or "TRANSFER-ENCODING" or "CONNECTION" or "CONTENT-ENCODING" or "LOCATION" ? "X-" + name : name;
                text.Append(n).Append(':').Append(' ').Append(value).Append("\r\n");
            }

            text.Append("Content-Length: ").Append(length).Append("\r\n");
            if (close)
            {
                text.Append("Connection: close\r\n");
            }

            byte[] bytes = Encoding.ASCII.GetBytes(text.Append("\r\n").ToString() + "BODY");
            OperationStatus result = HttpResponseHeadParser.TryParse(bytes, 64 * 1024, out HttpResponseHead head, out int consumed);
            Assert.Equal(OperationStatus.Done, result);
            Assert.Equal((status, (long)length, !close, bytes.Length - 4), (head.StatusCode, head.ContentLength, head.KeepAlive, consumed));
        });
}
