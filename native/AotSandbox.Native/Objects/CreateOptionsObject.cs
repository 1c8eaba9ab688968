namespace AotSandbox.Native.Objects;

/// <summary>The mutable <c>aotsb_create_options_t</c>; defaults are the SDK's (MEDIUM, 900 s idle, 3600 s lifetime).</summary>
internal sealed class CreateOptionsObject
{
    public string? Name { get; set; }

    public string? Type { get; set; }

    public SandboxSize Size { get; set; } = SandboxSize.Medium;

    public TimeSpan? IdleTimeout { get; set; }

    public TimeSpan? MaxLifetime { get; set; }

    public List<int> Ports { get; } = [];

    public Dictionary<string, string> Envs { get; } = new(StringComparer.Ordinal);

    public SandboxPolicy? Policy { get; set; }

    public SandboxCreateOptions ToSdk(ClientObject client)
    {
        SandboxCreateOptions options = client.Fill(new SandboxCreateOptions { Name = Name, Size = Size, Policy = Policy });
        if (Type is not null)
        {
            options.Type = Type;
        }

        if (IdleTimeout is { } idle)
        {
            options.IdleTimeout = idle;
        }

        if (MaxLifetime is { } max)
        {
            options.MaxLifetime = max;
        }

        if (Ports.Count > 0)
        {
            options.Ports = [.. Ports];
        }

        if (Envs.Count > 0)
        {
            options.Envs = new Dictionary<string, string>(Envs, StringComparer.Ordinal);
        }

        return options;
    }
}
