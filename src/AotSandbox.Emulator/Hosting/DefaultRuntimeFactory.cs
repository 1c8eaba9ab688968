using AotSandbox.Emulator.Runtime;

namespace AotSandbox.Emulator;

/// <summary>
/// The machine's real sandbox runtime (bubblewrap) for <see cref="EmulatorOptions.InstanceName"/>, with
/// <see cref="EmulatorOptions.StateDirectory"/> (when set) as its state root.
/// </summary>
internal static class DefaultRuntimeFactory
{
    public static ISandboxRuntime Create(EmulatorOptions options) =>
        new BubblewrapRuntime(EmulatorInstance.RuntimeOptions(options.InstanceName, options.StateDirectory));
}
