using System.Security.Cryptography;

namespace AotSandbox.IntegrationTests.Security;

/// <summary>
/// Host files with random content outside any sandbox (in /tmp, /var/tmp, /root and beside the state root) plus a
/// secret in the emulator's environment. An attack that reads, changes or deletes any of them fails the test.
/// </summary>
public sealed class HostCanaries
{
    private readonly Dictionary<string, string> _files = new(StringComparer.Ordinal);

    private HostCanaries(string environmentSecret) => EnvironmentSecret = environmentSecret;

    public string EnvironmentSecret { get; }

    public IReadOnlyCollection<string> Paths => _files.Keys;

    /// <summary>A canary in the host's /tmp: the path an in-sandbox "/tmp/..." would hit if the jail failed.</summary>
    public string TmpPath => _files.Keys.First(p => p.StartsWith("/tmp/", StringComparison.Ordinal));

    public static HostCanaries Plant()
    {
        var canaries = new HostCanaries("envcanary-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)));
        foreach (string directory in new[] { "/tmp", "/var/tmp", "/root", "/run" })
        {
            string path = Path.Combine(directory, "aotsb-reltest-canary-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)));
            string content = "canary-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)) + "\n";
            File.WriteAllText(path, content);
            canaries._files[path] = content;
        }

        return canaries;
    }

    public void AssertUnchanged()
    {
        foreach ((string path, string content) in _files)
        {
            Assert.True(File.Exists(path), $"host canary {path} was deleted");
            Assert.Equal(content, File.ReadAllText(path));
        }
    }

    /// <summary>Fails when any canary's secret content (or the environment secret) appears in text a sandbox returned.</summary>
    public void AssertNotIn(string text)
    {
        Assert.DoesNotContain(EnvironmentSecret, text, StringComparison.Ordinal);
        foreach (string content in _files.Values)
        {
            Assert.DoesNotContain(content.Trim(), text, StringComparison.Ordinal);
        }
    }

    public void Remove()
    {
        foreach (string path in _files.Keys)
        {
            File.Delete(path);
        }
    }
}
