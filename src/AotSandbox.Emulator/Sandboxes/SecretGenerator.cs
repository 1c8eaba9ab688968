using System.Security.Cryptography;

namespace AotSandbox.Emulator.Sandboxes;

/// <summary>
/// Every identifier a caller could guess its way into (sandbox ids, tokens, preview tokens, generated keys) comes
/// from the OS CSPRNG with at least 128 bits, so ownership never rests on an id being secret-but-short.
/// </summary>
internal static class SecretGenerator
{
    /// <summary><c>sb-</c> + 32 lowercase hex (128 random bits).</summary>
    public static string NewSandboxId() => "sb-" + LowerHex(16);

    /// <summary>43 chars base64url (256 random bits): the WebSocket auth token.</summary>
    public static string NewSessionToken() => Base64Url(32);

    /// <summary>32 lowercase hex (128 bits): hostname-safe and case-insensitive, as DNS labels are.</summary>
    public static string NewPreviewToken() => LowerHex(16);

    /// <summary>A Runtime-style key <c>uuid:secret</c> for when the operator did not configure one.</summary>
    public static string NewApiKey() => Guid.NewGuid().ToString("D") + ":" + Base64Url(32);

    private static string LowerHex(int bytes) => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(bytes));

    private static string Base64Url(int bytes) =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(bytes)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
