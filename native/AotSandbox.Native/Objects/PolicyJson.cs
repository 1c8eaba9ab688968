using AotSandbox.Native.Interop;

namespace AotSandbox.Native.Objects;

/// <summary>
/// The policy C callers pass as the JSON they would send (docs/PROTOCOL.md §2.4), read by the SDK's one strict parser
/// (<see cref="SandboxPolicy.Parse(ReadOnlySpan{byte})"/>); a malformed policy is AOTSB_ERR_INVALID_ARGUMENT naming the key.
/// </summary>
internal static class PolicyJson
{
    public static SandboxPolicy Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            return SandboxPolicy.Parse(json);
        }
        catch (FormatException e)
        {
            throw NativeCallException.Argument("policy JSON: " + e.Message);
        }
    }
}
