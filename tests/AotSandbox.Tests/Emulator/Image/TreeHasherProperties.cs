using AotSandbox.Emulator.Runtime.Image;
using CsCheck;

namespace AotSandbox.Tests.Emulator.Image;

/// <summary>
/// The image content id is a function of what a sandbox sees and nothing else: the same tree written in any order,
/// at any time, hashes the same; any one change a sandbox could observe (content, mode, link target, a new or
/// removed path) changes it.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class TreeHasherProperties : IDisposable
{
    private readonly string _scratch = Path.Combine(Path.GetTempPath(), "aotsb-treehash-" + Guid.NewGuid().ToString("N"));

    public TreeHasherProperties() => Directory.CreateDirectory(_scratch);

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    [Fact]
    public void SameTree_AnyOrderAndTime_SameId_AnyObservableChange_NewId()
    {
        int round = 0;
        Gen.Int.Sample(seed =>
        {
            var random = new Random(seed);
            List<Node> tree = RandomTree(random);
            // CsCheck samples on several threads at once: each sample needs directories of its own (a plain round++
            // once gave two samples the same ones, and their trees mixed: a flaky "different id" in CI).
            int mine = Interlocked.Increment(ref round);
            string a = Path.Combine(_scratch, $"{mine}-a"), b = Path.Combine(_scratch, $"{mine}-b");
            Materialise(a, tree, new Random(seed ^ 0x5A5A), DateTime.UnixEpoch.AddDays(1));
            Materialise(b, tree, new Random(~seed), DateTime.UnixEpoch.AddDays(9000));
            string id = TreeHasher.Hash(a);
            Assert.Matches("^sha256-[0-9a-f]{64}$", id);
            Assert.Equal(id, TreeHasher.Hash(b));

            string change = Mutate(b, tree, random);
            Assert.True(id != TreeHasher.Hash(b), $"changing the tree ({change}) kept content id {id}");
            Directory.Delete(a, recursive: true);
            Directory.Delete(b, recursive: true);
        }, iter: 60);
    }

    [Fact]
    public void OnlyTheSandboxVisibleParts_AreHashed()
    {
        string root = Path.Combine(_scratch, "visible");
        Directory.CreateDirectory(Path.Combine(root, "usr/bin"));
        File.WriteAllText(Path.Combine(root, "usr/bin/tool"), "x");
        string before = TreeHasher.Hash(root);
        Directory.CreateDirectory(Path.Combine(root, "var/log"));
        File.WriteAllText(Path.Combine(root, "var/log/build.log"), DateTime.UtcNow.ToString("O"));
        Assert.Equal(before, TreeHasher.Hash(root)); // /var is never shown to a sandbox
        File.WriteAllText(Path.Combine(root, "usr/bin/tool"), "y");
        Assert.NotEqual(before, TreeHasher.Hash(root));
    }

    private sealed record Node(string Path, char Kind, byte[] Content, string Target, UnixFileMode Mode);

    private static readonly UnixFileMode[] Modes = [(UnixFileMode)0x1ED, (UnixFileMode)0x1A4, (UnixFileMode)0x124, (UnixFileMode)0x1C0];

    private static List<Node> RandomTree(Random random)
    {
        var nodes = new List<Node>();
        var directories = new List<string> { "usr", "etc" };
        int count = random.Next(1, 25);
        for (int i = 0; i < count; i++)
        {
            string parent = directories[random.Next(directories.Count)];
            string path = $"{parent}/{(char)('a' + random.Next(6))}{i}";
            switch (random.Next(3))
            {
                case 0:
                    directories.Add(path);
                    nodes.Add(new Node(path, 'd', [], "", Modes[random.Next(2)]));
                    break;
                case 1:
                    byte[] content = new byte[random.Next(0, 300)];
                    random.NextBytes(content);
                    nodes.Add(new Node(path, 'f', content, "", Modes[random.Next(Modes.Length)]));
                    break;
                default:
                    nodes.Add(new Node(path, 'l', [], random.Next(2) == 0 ? "/usr/bin/x" + i : "../" + i, 0));
                    break;
            }
        }

        return nodes;
    }

    private static void Materialise(string root, List<Node> tree, Random order, DateTime time)
    {
        Directory.CreateDirectory(Path.Combine(root, "usr"));
        Directory.CreateDirectory(Path.Combine(root, "etc"));
        // Parents first is all that is required; siblings are created in a shuffled order.
        var shuffled = tree.Select(n => (n, key: order.Next())).OrderBy(p => p.n.Path.Count(c => c == '/')).ThenBy(p => p.key).Select(p => p.n);
        foreach (Node node in shuffled)
        {
            string path = Path.Combine(root, node.Path);
            switch (node.Kind)
            {
                case 'd':
                    Directory.CreateDirectory(path);
                    File.SetUnixFileMode(path, node.Mode);
                    Directory.SetLastWriteTimeUtc(path, time);
                    break;
                case 'f':
                    File.WriteAllBytes(path, node.Content);
                    File.SetUnixFileMode(path, node.Mode);
                    File.SetLastWriteTimeUtc(path, time);
                    break;
                default:
                    File.CreateSymbolicLink(path, node.Target);
                    break;
            }
        }
    }

    private static string Mutate(string root, List<Node> tree, Random random)
    {
        var files = tree.Where(n => n.Kind == 'f').ToList();
        var links = tree.Where(n => n.Kind == 'l').ToList();
        switch (random.Next(5))
        {
            case 0 when files.Count > 0:
                Node file = files[random.Next(files.Count)];
                byte[] changed = [.. file.Content, 0x42];
                if (file.Content.Length > 0 && random.Next(2) == 0)
                {
                    changed = [.. file.Content];
                    changed[random.Next(changed.Length)] ^= 0x01; // same size, one bit
                }

                File.WriteAllBytes(Path.Combine(root, file.Path), changed);
                return "content of " + file.Path;
            case 1 when files.Count > 0:
                Node target = files[random.Next(files.Count)];
                File.SetUnixFileMode(Path.Combine(root, target.Path), target.Mode ^ UnixFileMode.OtherExecute);
                return "mode of " + target.Path;
            case 2 when links.Count > 0:
                Node link = links[random.Next(links.Count)];
                File.Delete(Path.Combine(root, link.Path));
                File.CreateSymbolicLink(Path.Combine(root, link.Path), link.Target + "x");
                return "target of " + link.Path;
            case 3 when tree.Count > 0 && tree[^1].Kind != 'd':
                File.Delete(Path.Combine(root, tree[^1].Path));
                return "removed " + tree[^1].Path;
            default:
                File.WriteAllBytes(Path.Combine(root, "etc", "added"), []);
                return "added etc/added";
        }
    }
}
