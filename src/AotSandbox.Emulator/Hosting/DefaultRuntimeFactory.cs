using AotSandbox.Emulator.Runtime;

namespace AotSandbox.Emulator;

/// <summary>
/// The machine's real sandbox runtime (bubblewrap) for <see cref="EmulatorOptions.InstanceName"/>, with
/// <see cref="EmulatorOptions.StateDirectory"/> (when set) as its state root and <see cref="EmulatorOptions.Image"/> as its image.
/// </summary>
internal static class DefaultRuntimeFactory
{
    public static ISandboxRuntime Create(EmulatorOptions options) =>
        new BubblewrapRuntime(EmulatorInstance.RuntimeOptions(options.InstanceName, options.StateDirectory) with
        {
            Image = Runtime.Image.ImageReference.Parse(options.Image ?? "host"),
            ImageCacheRoot = options.ImageCacheDirectory ?? Runtime.Image.ImageLayout.DefaultCacheRoot,
        });
}
