using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace AotSandbox.Tests.Emulator.Image;

/// <summary>Writes OCI image layout tarballs (as docker save / skopeo do) with hand-made, possibly hostile, layers.</summary>
internal static class OciTarballBuilder
{
    public sealed record Layer(IReadOnlyList<TarEntry> Entries, bool Gzip = true);

    public static TarEntry Dir(string name, UnixFileMode mode = (UnixFileMode)0x1ED) => new PaxTarEntry(TarEntryType.Directory, name) { Mode = mode };

    public static TarEntry File(string name, string content, UnixFileMode mode = (UnixFileMode)0x1A4) =>
        new PaxTarEntry(TarEntryType.RegularFile, name) { Mode = mode, DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)) };

    public static TarEntry Link(string name, string target) => new PaxTarEntry(TarEntryType.SymbolicLink, name) { LinkName = target };

    public static TarEntry HardLink(string name, string target) => new PaxTarEntry(TarEntryType.HardLink, name) { LinkName = target };

    public static TarEntry Device(string name) => new PaxTarEntry(TarEntryType.CharacterDevice, name) { DeviceMajor = 1, DeviceMinor = 3, Mode = (UnixFileMode)0x1B6 };

    public static void Write(string path, params Layer[] layers)
    {
        var blobs = new List<(string Hex, byte[] Bytes)>();
        var layerDescriptors = new List<string>();
        foreach (Layer layer in layers)
        {
            byte[] bytes = LayerBytes(layer);
            string hex = Add(blobs, bytes);
            string mediaType = layer.Gzip ? "application/vnd.oci.image.layer.v1.tar+gzip" : "application/vnd.oci.image.layer.v1.tar";
            layerDescriptors.Add($"{{\"mediaType\":\"{mediaType}\",\"digest\":\"sha256:{hex}\",\"size\":{bytes.Length}}}");
        }

        string config = Add(blobs, Encoding.UTF8.GetBytes("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}"));
        byte[] manifest = Encoding.UTF8.GetBytes("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
            + $"\"config\":{{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:{config}\",\"size\":1}},"
            + $"\"layers\":[{string.Join(',', layerDescriptors)}]}}");
        string manifestHex = Add(blobs, manifest);
        string index = "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
            + $"\"digest\":\"sha256:{manifestHex}\",\"size\":{manifest.Length},\"platform\":{{\"architecture\":\"amd64\",\"os\":\"linux\"}}}}]}}";

        using var file = System.IO.File.Create(path);
        using var writer = new TarWriter(file, TarEntryFormat.Pax);
        writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "oci-layout") { DataStream = new MemoryStream("{\"imageLayoutVersion\":\"1.0.0\"}"u8.ToArray()) });
        writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "index.json") { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(index)) });
        foreach (var (hex, bytes) in blobs)
        {
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "blobs/sha256/" + hex) { DataStream = new MemoryStream(bytes) });
        }
    }

    private static string Add(List<(string, byte[])> blobs, byte[] bytes)
    {
        string hex = Convert.ToHexStringLower(SHA256.HashData(bytes));
        blobs.Add((hex, bytes));
        return hex;
    }

    private static byte[] LayerBytes(Layer layer)
    {
        using var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (TarEntry entry in layer.Entries)
            {
                writer.WriteEntry(entry);
            }
        }

        if (!layer.Gzip)
        {
            return tar.ToArray();
        }

        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            tar.Position = 0;
            tar.CopyTo(gzip);
        }

        return compressed.ToArray();
    }
}
