using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace AotSandbox.Emulator.Runtime.Image;

/// <summary>
/// Resolves an <see cref="ImageReference"/> to a <see cref="SandboxImage"/>. Built and imported images live in a
/// root-owned cache (trusted-path rules, <see cref="TrustedStatePath"/>) shared by every emulator instance on the
/// machine, so the pinned image is built once per machine, not per instance or per test run:
/// <code>
/// &lt;cache&gt;/sha256-&lt;content id&gt;/      a prepared root filesystem (read-only use; never modified after publishing)
/// &lt;cache&gt;/default-&lt;recipe id&gt;         which content id the pinned recipe produced
/// &lt;cache&gt;/oci-&lt;tarball sha256&gt;         which content id an OCI tarball produced
/// &lt;cache&gt;/.work/                    builds in progress (wiped at the next build)
/// &lt;cache&gt;/.lock                     flock: one build at a time, others wait
/// </code>
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed partial class ImageStore(string cacheRoot, string mmdebstrapPath = ImageStore.DefaultMmdebstrapPath)
{
    public const string DefaultMmdebstrapPath = "/usr/bin/mmdebstrap";

    /// <summary>How long a resolve waits for another process's build of the same cache.</summary>
    public static readonly TimeSpan LockWait = TimeSpan.FromMinutes(30);

    public string CacheRoot { get; } = cacheRoot;

    /// <summary>Cache name that records the default image's content id.</summary>
    public static string DefaultRecordName => "default-" + DebianImageRecipe.RecipeId;

    /// <exception cref="SandboxRuntimeUnavailableException">The image cannot be built, imported or used (one line: why, what to do).</exception>
    public async Task<SandboxImage> ResolveAsync(ImageReference reference, IProgress<ImageProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reference);
        try
        {
            return await ResolveCoreAsync(reference, progress, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            // A file system error while walking, building or publishing: the serve/start error should say which image.
            throw new SandboxRuntimeUnavailableException($"--image {reference}: {e.Message}");
        }
    }

    private async Task<SandboxImage> ResolveCoreAsync(ImageReference reference, IProgress<ImageProgress>? progress, CancellationToken cancellationToken)
    {
        switch (reference.Kind)
        {
            case ImageKind.Host:
                return SandboxImage.HostView;
            case ImageKind.Directory:
                return LoadDirectory(reference.Path!, progress);
            case ImageKind.Default:
                return await ResolveCachedAsync(DefaultRecordName, BuildDefaultAsync, progress, cancellationToken).ConfigureAwait(false);
            default:
                string tarball = reference.Path!;
                if (!File.Exists(tarball))
                {
                    throw new SandboxRuntimeUnavailableException($"--image {tarball}: no such file");
                }

                progress?.Report(new ImageProgress("checking the tarball", 0));
                string key = "oci-" + await HashFileAsync(tarball, cancellationToken).ConfigureAwait(false);
                try
                {
                    return await ResolveCachedAsync(key, (target, p, ct) => OciImageImporter.ExtractAsync(tarball, target, OciImportLimits.Default, p, ct), progress, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is InvalidDataException or JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
                {
                    throw new SandboxRuntimeUnavailableException($"--image {tarball} refused: {e.Message}");
                }
        }
    }

    /// <summary>The cached image recorded under <paramref name="recordName"/>, or null when it was never built here.</summary>
    public SandboxImage? TryLoadCached(string recordName)
    {
        string record = Path.Join(CacheRoot, recordName);
        if (RootfsStat.Lstat(record, recordName)?.Type != RootfsEntryType.File)
        {
            return null;
        }

        string id = File.ReadAllText(record).Trim();
        string root = Path.Join(CacheRoot, id);
        if (!ContentId().IsMatch(id) || RootfsStat.Lstat(root, id)?.Type != RootfsEntryType.Directory)
        {
            return null;
        }

        return Load(root, id);
    }

    /// <summary>The top-level layout of an image root (directories to bind, links to recreate).</summary>
    public static SandboxImage Load(string root, string id)
    {
        var top = new List<ImageTopLevelEntry>();
        foreach (string name in ImageLayout.TopLevelNames)
        {
            string path = Path.Join(root, name);
            switch (RootfsStat.Lstat(path, name)?.Type)
            {
                case RootfsEntryType.Directory:
                    top.Add(new ImageTopLevelEntry(name, null));
                    break;
                case RootfsEntryType.Symlink:
                    top.Add(new ImageTopLevelEntry(name, new FileInfo(path).LinkTarget));
                    break;
            }
        }

        return new SandboxImage(root, id, top);
    }

    private static SandboxImage LoadDirectory(string root, IProgress<ImageProgress>? progress)
    {
        progress?.Report(new ImageProgress("validating " + root, 0));
        List<string> problems = RootfsValidator.Problems(root);
        if (problems.Count > 0)
        {
            throw new SandboxRuntimeUnavailableException($"--image {root} cannot be used: " + string.Join("; ", problems));
        }

        progress?.Report(new ImageProgress("hashing " + root, 50));
        string id = TreeHasher.Hash(root);
        progress?.Report(new ImageProgress("ready", 100));
        return Load(root, id);
    }

    private async Task<SandboxImage> ResolveCachedAsync(
        string recordName, Func<string, IProgress<ImageProgress>?, CancellationToken, Task> build, IProgress<ImageProgress>? progress, CancellationToken cancellationToken)
    {
        TrustedStatePath.EnsureDirectory(CacheRoot);
        if (TryLoadCached(recordName) is { } cached)
        {
            return cached;
        }

        using FileStream buildLock = await LockAsync(progress, cancellationToken).ConfigureAwait(false);
        if (TryLoadCached(recordName) is { } builtMeanwhile)
        {
            return builtMeanwhile;
        }

        string work = Path.Join(CacheRoot, ".work");
        if (Directory.Exists(work))
        {
            Directory.Delete(work, recursive: true); // an interrupted build; nobody else builds while we hold the lock
        }

        TrustedStatePath.EnsureDirectory(work);
        string rootfs = Path.Join(work, "rootfs");
        try
        {
            await build(rootfs, progress, cancellationToken).ConfigureAwait(false);
            progress?.Report(new ImageProgress("normalising", 93));
            ImagePreparer.Prepare(rootfs);
            File.SetUnixFileMode(rootfs, TrustedStatePath.DirectoryMode);
            progress?.Report(new ImageProgress("hashing", 95));
            string id = TreeHasher.Hash(rootfs);
            string final = Path.Join(CacheRoot, id);
            if (RootfsStat.Lstat(final, id) is null)
            {
                Directory.Move(rootfs, final);
            }

            TrustedStatePath.ReplaceFile(CacheRoot, recordName, Encoding.UTF8.GetBytes(id + "\n"), TrustedStatePath.ReadableFileMode);
            progress?.Report(new ImageProgress("ready", 100));
            return TryLoadCached(recordName) ?? throw new SandboxRuntimeUnavailableException($"image {id} vanished from {CacheRoot} right after it was built");
        }
        finally
        {
            if (Directory.Exists(work))
            {
                Directory.Delete(work, recursive: true);
            }
        }
    }

    private async Task<FileStream> LockAsync(IProgress<ImageProgress>? progress, CancellationToken cancellationToken)
    {
        string path = Path.Join(CacheRoot, ".lock");
        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                // FileShare.None is flock(LOCK_EX | LOCK_NB) on Unix: released by the kernel if the builder dies.
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (waited.Elapsed < LockWait)
            {
                progress?.Report(new ImageProgress("waiting for another process building into " + CacheRoot, 0));
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task BuildDefaultAsync(string target, IProgress<ImageProgress>? progress, CancellationToken cancellationToken)
    {
        if (!File.Exists(mmdebstrapPath))
        {
            throw new SandboxRuntimeUnavailableException($"building the default sandbox image needs mmdebstrap, which is missing at {mmdebstrapPath}: run `apt-get install mmdebstrap` (or serve with --image host)");
        }

        var start = new ProcessStartInfo(mmdebstrapPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in DebianImageRecipe.Arguments(target))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["SOURCE_DATE_EPOCH"] = DebianImageRecipe.SourceDateEpoch;
        start.Environment["LC_ALL"] = "C.UTF-8";
        progress?.Report(new ImageProgress("starting mmdebstrap", 1));
        using Process process = Process.Start(start) ?? throw new SandboxRuntimeUnavailableException("could not start mmdebstrap");
        var tail = new Queue<string>();
        Task stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        try
        {
            while (await process.StandardError.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                if (MmdebstrapProgress.Parse(line) is { } step)
                {
                    progress?.Report(step);
                }

                tail.Enqueue(line);
                if (tail.Count > 20)
                {
                    tail.Dequeue();
                }
            }

            await stdout.ConfigureAwait(false);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        if (process.ExitCode != 0)
        {
            throw new SandboxRuntimeUnavailableException(
                $"mmdebstrap failed (exit {process.ExitCode}) building the default sandbox image; check that apt can reach deb.debian.org. Last output: " + string.Join(" | ", tail));
        }
    }

    private static async Task<string> HashFileAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
    }

    [GeneratedRegex("^sha256-[0-9a-f]{64}$")]
    private static partial Regex ContentId();
}
