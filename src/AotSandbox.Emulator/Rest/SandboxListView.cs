using System.Text.Json.Serialization;

namespace AotSandbox.Emulator.Rest;

/// <summary>
/// The list body (docs/PROTOCOL.md §4.6). Each entry is the status object of §2.5 (never a token). <see cref="Extensions"/>
/// repeats what create and status advertise, so a client that has no sandbox yet learns from this very answer that
/// the server implements listing (a 200 from an unknown server proves nothing).
/// </summary>
internal sealed class SandboxListView
{
    [JsonPropertyName("sandboxes")] public required SandboxView[] Sandboxes { get; init; }
    [JsonPropertyName("nextCursor")] public string? NextCursor { get; init; }
    [JsonPropertyName("extensions")] public required string[] Extensions { get; init; }
}
