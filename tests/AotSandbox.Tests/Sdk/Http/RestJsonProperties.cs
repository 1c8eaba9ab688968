using System.Text;
using System.Text.Json;
using AotSandbox.Rest;
using CsCheck;

namespace AotSandbox.Tests.Sdk.Http;

/// <summary>The SDK's serializer-free REST JSON against the source-generated contract it replaced (kept as the oracle).</summary>
public sealed class RestJsonProperties
{
    private static readonly Gen<string?> Text = Gen.OneOf(Gen.Const((string?)null), Gen.String.Select(s => (string?)s), Gen.OneOf("a", "é<>&'\"", "\u2028", "").Select(s => (string?)s));

    [Fact]
    public void CreateBody_IsByteForByteTheSerializersBody() =>
        Gen.Select(Text, Gen.String, Gen.Long, Gen.Long, Text, Text, Gen.Select(Gen.String, Gen.String).Array[0, 4].Null(), Gen.Int.List[0, 4].Null())
            .Sample((name, size, idle, life, cluster, region, envs, ports) =>
            {
                var request = new CreateSandboxRequest
                {
                    Name = name,
                    Size = size,
                    Type = "cpu:default",
                    IdleTimeout = idle,
                    MaxLifetime = life,
                    Cluster = cluster,
                    Region = region,
                    Envs = envs?.DistinctBy(e => e.Item1).ToDictionary(e => e.Item1, e => e.Item2),
                    Ports = ports,
                    Policy = ports is { Count: > 2 } ? SandboxPolicy.Parse("{\"network\":{\"egress\":\"allow-all\"}}") : null,
                };
                Assert.Equal(
                    Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(request, RestJsonContext.Default.CreateSandboxRequest)),
                    Encoding.UTF8.GetString(RestJson.WriteCreateRequest(request)));
            });

    private static readonly string[] Names = ["sandboxId", "token", "wsEndpoint", "status", "name", "cluster", "region", "managementEndpoint", "protocolVersion", "maxLifetime", "idleTimeout", "previewUrls", "extensions", "other"];

    private static readonly Gen<string> Value = Gen.OneOf("\"s\"", "null", "7", "\"600\"", "{\"3000\":\"https://p\",\"x\":1}", "[\"exec.replay\",7]", "true", "{}", "[]", "\"\\u00e9\"");

    [Fact]
    public void Responses_ReadAsTheSerializerReadThem_OrFailLikeIt() =>
        Gen.Select(Gen.OneOf(Names), Value).Array[0, 8].Sample(fields =>
        {
            string json = "{" + string.Join(",", fields.Select(f => $"\"{f.Item1}\":{f.Item2}")) + "}";
            SandboxResponse? expected;
            try
            {
                expected = JsonSerializer.Deserialize(json, RestJsonContext.Default.SandboxResponse);
            }
            catch (JsonException)
            {
                Assert.ThrowsAny<JsonException>(() => RestJson.ReadResponse(Encoding.UTF8.GetBytes(json)));
                return;
            }

            SandboxResponse actual = RestJson.ReadResponse(Encoding.UTF8.GetBytes(json))!;
            Assert.Equal(Shape(expected!), Shape(actual));
        });

    [Theory]
    [InlineData("null")]
    [InlineData("[1]")]
    [InlineData("\"x\"")]
    [InlineData("{")]
    public void NonObjects_AreNullOrJsonErrors(string json)
    {
        if (json == "null")
        {
            Assert.Null(RestJson.ReadResponse(Encoding.UTF8.GetBytes(json)));
            return;
        }

        Assert.ThrowsAny<JsonException>(() => RestJson.ReadResponse(Encoding.UTF8.GetBytes(json)));
    }

    private static string Shape(SandboxResponse r) => string.Join("|",
        r.SandboxId, r.Token, r.WsEndpoint, r.Status, r.Name, r.Cluster, r.Region, r.ManagementEndpoint, r.ProtocolVersion,
        Raw(r.MaxLifetime), Raw(r.IdleTimeout), Raw(r.PreviewUrls), Raw(r.Extensions));

    private static string Raw(JsonElement e) => e.ValueKind == JsonValueKind.Undefined ? "<undefined>" : e.GetRawText();
}
