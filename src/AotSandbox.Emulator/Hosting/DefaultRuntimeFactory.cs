using AotSandbox.Emulator.Runtime;

namespace AotSandbox.Emulator;

/// <summary>
/// The machine's real sandbox runtime. Until the bubblewrap runtime is merged into this branch there is none, and
/// starting the emulator without an explicit runtime says so in one line.
/// </summary>
internal static class DefaultRuntimeFactory
{
    public static ISandboxRuntime Create(EmulatorOptions options)
    {
        _ = options;
        throw new SandboxRuntimeUnavailableException(
            "This build has no sandbox runtime (the bubblewrap runtime is not merged yet); update aotsandbox.");
    }
}
