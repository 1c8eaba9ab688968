namespace AotSandbox.Emulator.Runtime.Image;

/// <summary>What a sandbox's root filesystem comes from (the <c>serve --image</c> value).</summary>
internal enum ImageKind
{
    /// <summary>The host's own /usr and a few /etc entries, read-only (the original behaviour).</summary>
    Host,

    /// <summary>The pinned Debian image (<see cref="DebianImageRecipe"/>), built once into the image cache.</summary>
    Default,

    /// <summary>A root-owned directory holding a root filesystem, used in place after validation.</summary>
    Directory,

    /// <summary>An OCI image layout tarball (docker save / skopeo), extracted once into the image cache.</summary>
    OciTarball,
}

/// <summary>A parsed <c>--image</c> value: <c>host</c>, <c>default</c>, a directory, or an <c>.tar</c> OCI tarball.</summary>
internal sealed record ImageReference(ImageKind Kind, string? Path)
{
    public static readonly ImageReference Host = new(ImageKind.Host, null);

    public static readonly ImageReference Default = new(ImageKind.Default, null);

    /// <summary>Parses the option text; paths must be absolute (they are trusted-path checked later, as root).</summary>
    /// <exception cref="ArgumentException">The text names neither keyword nor an absolute path (one line: what to pass).</exception>
    public static ImageReference Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text == "host")
        {
            return Host;
        }

        if (text == "default")
        {
            return Default;
        }

        string full = System.IO.Path.GetFullPath(text);
        if (text.EndsWith(".tar", StringComparison.Ordinal))
        {
            return new ImageReference(ImageKind.OciTarball, full);
        }

        if (System.IO.Directory.Exists(full))
        {
            return new ImageReference(ImageKind.Directory, System.IO.Path.TrimEndingDirectorySeparator(full));
        }

        throw new ArgumentException($"--image '{text}': expected host, default, a root filesystem directory, or an OCI image tarball ending in .tar");
    }

    public override string ToString() => Kind switch
    {
        ImageKind.Host => "host",
        ImageKind.Default => "default",
        _ => Path!,
    };
}
