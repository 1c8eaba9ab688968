using System.Text;

namespace AotSandbox.Emulator.Runtime.Bubblewrap;

/// <summary>
/// Checks and encodes sandbox environment variables: the same rules whether they reach the agent on bwrap's command
/// line (a cold start) or in a <c>set_env</c> request when a pre-warmed sandbox is claimed.
/// </summary>
internal static class EnvironmentEntries
{
    /// <summary>Throws when a name is empty or holds '=' or NUL, or a value holds NUL (neither bwrap nor setenv can carry them).</summary>
    public static void Validate(string name, string value)
    {
        if (name.Length == 0 || name.Contains('=', StringComparison.Ordinal) || name.Contains('\0', StringComparison.Ordinal) || value.Contains('\0', StringComparison.Ordinal))
        {
            throw new SandboxRuntimeException($"invalid environment variable name or value: '{name}'");
        }
    }

    /// <summary>The <c>set_env</c> payload: <c>NAME=VALUE\0</c> per entry (agent/AGENT-CHANNEL.md).</summary>
    public static byte[] Encode(IReadOnlyDictionary<string, string> environment)
    {
        var length = 0;
        foreach (var (name, value) in environment)
        {
            Validate(name, value);
            length += Encoding.UTF8.GetByteCount(name) + Encoding.UTF8.GetByteCount(value) + 2;
        }

        if (length > AgentWire.MaxPayload)
        {
            throw new SandboxRuntimeException($"the environment is too large ({length} bytes; at most {AgentWire.MaxPayload})");
        }

        var payload = new byte[length];
        var at = 0;
        foreach (var (name, value) in environment)
        {
            at += Encoding.UTF8.GetBytes(name, payload.AsSpan(at));
            payload[at++] = (byte)'=';
            at += Encoding.UTF8.GetBytes(value, payload.AsSpan(at));
            payload[at++] = 0;
        }

        return payload;
    }
}
