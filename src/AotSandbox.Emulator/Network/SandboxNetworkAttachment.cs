namespace AotSandbox.Emulator.Network;

/// <summary>
/// What the runtime must put into a sandbox for its network to work: environment variables and read-only files
/// (bind-mount <see cref="SandboxNetworkFile.HostPath"/> at <see cref="SandboxNetworkFile.SandboxPath"/>), plus the
/// preview URL of each declared port for the REST layer.
/// </summary>
internal sealed record SandboxNetworkAttachment(
    string SandboxId,
    IReadOnlyDictionary<string, string> Environment,
    IReadOnlyList<SandboxNetworkFile> Files,
    IReadOnlyDictionary<int, string> PreviewUrls);

/// <summary>A host file to bind read-only into the sandbox.</summary>
internal sealed record SandboxNetworkFile(string HostPath, string SandboxPath);

/// <summary>The sandbox-independent part of the network setup: inject before the sandbox starts.</summary>
internal sealed record SandboxNetworkSetup(IReadOnlyDictionary<string, string> Environment, IReadOnlyList<SandboxNetworkFile> Files);
