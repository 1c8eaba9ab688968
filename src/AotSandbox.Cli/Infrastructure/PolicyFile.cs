namespace AotSandbox.Cli;

/// <summary>
/// Reads a policy file in the wire shape of docs/PROTOCOL.md §2.4 (<c>{"network":{"egress":[{"host","port","protocol"?,"rules"?}]}}</c>,
/// or <c>"egress":"allow-all"</c>) with the SDK's one strict parser, <see cref="SandboxPolicy.Parse(ReadOnlySpan{byte})"/>:
/// an unknown key is a typo the user should hear about, not a silently wider policy.
/// </summary>
internal static class PolicyFile
{
    public static SandboxPolicy Load(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot read policy file {path}: {e.Message}", e);
        }

        try
        {
            return SandboxPolicy.Parse(bytes);
        }
        catch (FormatException e)
        {
            throw new CliException($"policy file {path}: {e.Message}", e);
        }
    }
}
