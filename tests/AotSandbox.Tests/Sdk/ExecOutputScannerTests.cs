using System.Text;
using AotSandbox.Protocol;

namespace AotSandbox.Tests.Sdk;

/// <summary>
/// The exec.output fast path must agree with the Utf8JsonReader path on every input: same accept/reject, same fields.
/// It may decline (and leave the frame to the reader), never decide differently.
/// </summary>
public sealed class ExecOutputScannerTests
{
    private static readonly string[] Accepted =
    [
        "{\"type\":\"exec.output\",\"execId\":\"exec-1\",\"stream\":\"stdout\",\"data\":\"hello\"}",
        "{\"type\":\"exec.output\",\"execId\":\"exec-1\",\"stream\":\"stderr\",\"data\":\"line\\nline\\r\\n\\t\\\"q\\\" \\\\ \\/ \\b\\f\"}",
        " \r\n{ \"data\" : \"caf\\u00e9 \\ud83d\\ude00 é 😀\" ,\n\t\"type\":\"exec.output\" , \"execId\":\"e\" } trailing",
        "{\"type\":\"exec.output\",\"execId\":\"e\",\"stream\":\"weird\",\"data\":\"\",\"unknown\":\"x\",\"sandboxId\":\"sb-1\"}",
        "{\"type\":\"exec.output\",\"execId\":\"e\"}",
        "{\"execId\":\"e\",\"type\":\"exec.output\",\"data\":\"a\",\"data\":\"b\"}",
    ];

    private static readonly string[] Other =
    [
        "{\"type\":\"exec.exit\",\"execId\":\"e\",\"exitCode\":0}",
        "{\"type\":\"exec.output\",\"execId\":\"e\",\"data\":\"x\",\"type\":\"exec.exit\"}",
        "{\"type\":\"exec\\u002eoutput\",\"execId\":\"e\",\"data\":\"x\"}",
        "{\"type\":\"exec.output\",\"execId\":\"e\",\"stream\":\"std\\u0065rr\",\"data\":\"x\"}",
        "{\"type\":\"exec.output\",\"execId\":\"e\",\"data\":\"raw\ncontrol\"}",
        "{\"type\":\"exec.output\",\"execId\":\"e\",\"data\":\"bad \\x escape\"}",
        "{\"type\":\"exec.output\",\"execId\":\"e\",\"data\":\"short \\u12 hex\"}",
        "{\"type\":\"exec.output\",\"execId\":\"e\",\"data\":\"x\",}",
        "{\"type\":\"exec.output\",\"execId\":\"e\" \"data\":\"x\"}",
        "{\"type\":\"exec.output\",\"execId\":\"e\",\"data\":\"unterminated}",
        "{\"type\":\"exec.output\",\"execId\":\"e\",\"extra\":[1,{\"x\":null}],\"data\":\"x\"}",
        "{\"type\":\"exec.output\",\"execId\":\"e\",\"exitCode\":3,\"data\":\"x\"}",
        "{\"type\":\"exec.output\",\"execId\":\"e\",\"message\":\"m\",\"data\":\"x\"}",
        "{\"ty\\u0070e\":\"exec.output\",\"execId\":\"e\",\"data\":\"x\"}",
        "[\"type\",\"exec.output\"]",
        "{}",
        "",
        "{\"type\":\"exec.output\"",
    ];

    [Fact]
    public void TypicalExecOutputFrames_TakeTheFastPath()
    {
        foreach (string json in Accepted)
        {
            ServerFrame frame = default;
            Assert.True(ExecOutputScanner.TryScan(U(json), ref frame), json);
        }
    }

    [Fact]
    public void FastPath_AgreesWithJsonReader_OnAcceptedAndOtherFrames()
    {
        foreach (string json in Accepted.Concat(Other))
        {
            AssertSameOutcome(U(json));
        }
    }

    [Fact]
    public void FastPath_DeclinesInvalidUtf8InAString()
    {
        byte[] json = [.. U("{\"type\":\"exec.output\",\"execId\":\"e\",\"data\":\"a"), 0xC3, 0x28, .. U("\"}")];
        ServerFrame frame = default;
        Assert.False(ExecOutputScanner.TryScan(json, ref frame));
        AssertSameOutcome(json);
    }

    [Fact]
    public void FastPath_AgreesWithJsonReader_OnRandomMutations()
    {
        var random = new Random(6455);
        byte[] alphabet = U("\"\\{}[]:, \n\tun0x\u00e9");
        for (int n = 0; n < 20_000; n++)
        {
            byte[] json = U(Accepted[n % Accepted.Length]);
            int edits = 1 + random.Next(3);
            for (int e = 0; e < edits; e++)
            {
                int at = random.Next(json.Length);
                json[at] = random.Next(4) == 0 ? (byte)random.Next(256) : alphabet[random.Next(alphabet.Length)];
            }

            AssertSameOutcome(json);
        }
    }

    private static void AssertSameOutcome(byte[] json)
    {
        bool fast = ServerFrameReader.TryRead(json, out ServerFrame a);
        bool slow = ServerFrameReader.TryReadWithJsonReader(json, out ServerFrame b);
        string text = Encoding.UTF8.GetString(json);
        Assert.True(fast == slow, $"accept differs ({fast} vs {slow}) for: {text}");
        if (!fast)
        {
            return;
        }

        Assert.True(a.Type == b.Type, $"type differs for: {text}");
        Assert.True(a.Stream == b.Stream, $"stream differs for: {text}");
        Assert.True(Same(a.ExecId, b.ExecId) && Same(a.Data, b.Data) && Same(a.SandboxId, b.SandboxId) && Same(a.TypeName, b.TypeName), $"a field differs for: {text}");
    }

    private static bool Same(JsonText x, JsonText y)
    {
        if (x.IsPresent != y.IsPresent || x.IsEscaped != y.IsEscaped)
        {
            return false;
        }

        byte[] bx = new byte[x.MaxLength];
        byte[] by = new byte[y.MaxLength];
        return bx.AsSpan(0, x.CopyTo(bx)).SequenceEqual(by.AsSpan(0, y.CopyTo(by)));
    }

    private static byte[] U(string s) => Encoding.UTF8.GetBytes(s);
}
