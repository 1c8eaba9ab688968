namespace AotSandbox.Protocol;

/// <summary>
/// Unpredictable bytes from the OS CSPRNG without OpenSSL. On Linux, Guid.NewGuid reads the kernel's CSPRNG through
/// the runtime's own native shim, while RandomNumberGenerator first loads and initialises libssl/libcrypto (2-3 ms
/// measured in an AOT process): a cost a ws:// client would otherwise pay at its first exec. Of a v4 GUID's 16 bytes,
/// 12 carry no version or variant bits: bytes 0-5 and 9-14 (in TryWriteBytes order).
/// </summary>
internal static class GuidEntropy
{
    /// <summary>Fully random bytes one GUID yields.</summary>
    public const int BytesPerGuid = 12;

    /// <summary>Fills <paramref name="destination"/> (a multiple of <see cref="BytesPerGuid"/> bytes) with the random bytes of fresh GUIDs.</summary>
    public static void Fill(Span<byte> destination)
    {
        Span<byte> guid = stackalloc byte[16];
        for (int offset = 0; offset < destination.Length; offset += BytesPerGuid)
        {
            Guid.NewGuid().TryWriteBytes(guid);
            guid[..6].CopyTo(destination[offset..]);
            guid.Slice(9, 6).CopyTo(destination[(offset + 6)..]);
        }
    }
}
