using AotSandbox.Emulator.Runtime;

namespace AotSandbox.Emulator;

/// <summary>The machine's real sandbox runtime (bubblewrap), with <see cref="EmulatorOptions.StateDirectory"/> as its state root.</summary>
internal static class DefaultRuntimeFactory
{
    public static ISandboxRuntime Create(EmulatorOptions options) =>
        new BubblewrapRuntime(options.StateDirectory is null ? null : new BubblewrapRuntimeOptions { StateRoot = options.StateDirectory });
}
