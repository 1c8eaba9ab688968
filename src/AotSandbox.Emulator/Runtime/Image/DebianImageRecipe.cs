using System.Security.Cryptography;
using System.Text;

namespace AotSandbox.Emulator.Runtime.Image;

/// <summary>
/// The pinned recipe of the default image: a Debian release, the mmdebstrap variant, the package list, the
/// SOURCE_DATE_EPOCH and the clean-up that removes what differs between two builds (apt lists, logs, caches,
/// machine-id). Its <see cref="RecipeId"/> names the cache entry that records which content id the recipe last
/// produced; any change here builds a new image. Packages come from the machine's Debian mirror (deb.debian.org),
/// so security updates published after a build make the next build's content id differ: the content id, not the
/// recipe, is what identifies an image.
/// </summary>
internal static class DebianImageRecipe
{
    public const string Release = "bookworm";

    public const string Variant = "essential";

    /// <summary>2025-05-20T00:00:00Z, the machine's Debian snapshot date: clamps timestamps mmdebstrap writes.</summary>
    public const string SourceDateEpoch = "1747699200";

    /// <summary>What the README, the samples and the demo run (python, node/npm, git, curl) plus ps and ip for diagnostics.</summary>
    public static readonly string[] Packages =
    [
        "bash", "coreutils", "ca-certificates", "curl", "git", "iproute2", "nodejs", "npm", "procps", "python3", "python-is-python3",
    ];

    public static readonly string[] Sources =
    [
        "deb http://deb.debian.org/debian bookworm main",
        "deb http://deb.debian.org/debian bookworm-updates main",
        "deb http://deb.debian.org/debian-security bookworm-security main",
    ];

    /// <summary>Documentation, manuals and translations are dropped (licences kept): they only cost space and build time.</summary>
    public static readonly string[] DpkgOptions =
    [
        "path-exclude=/usr/share/doc/*", "path-include=/usr/share/doc/*/copyright",
        "path-exclude=/usr/share/man/*", "path-exclude=/usr/share/info/*", "path-exclude=/usr/share/locale/*",
    ];

    /// <summary>Run by mmdebstrap with the root as $1 after the packages are installed.</summary>
    public const string CleanupHook =
        "rm -rf \"$1\"/var/lib/apt/lists/* \"$1\"/var/cache/* \"$1\"/var/log/* \"$1\"/etc/machine-id \"$1\"/var/lib/dbus/machine-id "
        + "\"$1\"/etc/*- \"$1\"/etc/shadow \"$1\"/etc/gshadow \"$1\"/var/lib/dpkg/*-old";

    /// <summary>The mmdebstrap command line that builds the image into <paramref name="target"/> (a directory that must not exist).</summary>
    public static List<string> Arguments(string target)
    {
        var a = new List<string>
        {
            "--mode=root", "--format=directory", "--variant=" + Variant, "--include=" + string.Join(',', Packages),
            "--aptopt=Acquire::Languages \"none\"", "--customize-hook=" + CleanupHook,
        };
        a.AddRange(DpkgOptions.Select(o => "--dpkgopt=" + o));
        a.Add(Release);
        a.Add(target);
        a.AddRange(Sources);
        return a;
    }

    /// <summary>Short hash of everything above: a new recipe never reuses an old build.</summary>
    public static string RecipeId
    {
        get
        {
            var text = new StringBuilder();
            foreach (string argument in Arguments("TARGET"))
            {
                text.Append(argument).Append('\n');
            }

            text.Append(SourceDateEpoch);
            return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
        }
    }
}
