using AotSandbox.Emulator.Runtime;
using AotSandbox.Emulator.Runtime.Image;

namespace AotSandbox.Emulator;

/// <summary>Builds or imports a sandbox image ahead of <c>serve</c> (<c>aotsandbox image build</c>).</summary>
public static class EmulatorImages
{
    /// <summary>
    /// Resolves <paramref name="image"/> (see <see cref="EmulatorOptions.Image"/>) into the cache, building the pinned
    /// Debian image or importing a tarball when it is not there yet.
    /// </summary>
    /// <returns>The image's content id and the directory sandboxes will see as their root.</returns>
    /// <exception cref="ArgumentException">The value names no kind of image.</exception>
    /// <exception cref="InvalidOperationException">The image cannot be built or used (the message says why and what to do).</exception>
    public static async Task<(string Id, string Root)> PrepareAsync(string image, string? cacheDirectory, Action<string, int>? progress, CancellationToken cancellationToken = default)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("sandbox images need Linux");
        }

        ImageReference reference = ImageReference.Parse(image);
        var store = new ImageStore(cacheDirectory ?? ImageLayout.DefaultCacheRoot);
        try
        {
            SandboxImage resolved = await store.ResolveAsync(reference, ProgressOf(progress), cancellationToken).ConfigureAwait(false);
            return (resolved.Id, resolved.Root ?? "/");
        }
        catch (SandboxRuntimeUnavailableException e)
        {
            throw new InvalidOperationException(e.Message, e);
        }
    }

    internal static IProgress<ImageProgress>? ProgressOf(Action<string, int>? report) => report is null ? null : new SynchronousProgress(report);

    /// <summary>Reports on the caller's thread, in order (Progress&lt;T&gt; would post to the thread pool and reorder).</summary>
    private sealed class SynchronousProgress(Action<string, int> report) : IProgress<ImageProgress>
    {
        public void Report(ImageProgress value) => report(value.Phase, value.Percent);
    }
}
