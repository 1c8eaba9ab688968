using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;

namespace AotSandbox.Emulator.Runtime.Image;

/// <summary>
/// Imports an OCI image layout tarball (<c>docker save</c> of Docker 25+, <c>skopeo copy ... oci-archive:</c>): copies
/// its blobs aside, checking each against its sha256 name, follows index.json to the linux/amd64 manifest and applies
/// the layers in order with <see cref="OciLayerExtractor"/>. Everything read is bounded (<see cref="OciImportLimits"/>).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal static class OciImageImporter
{
    private const string BlobPrefix = "blobs/sha256/";

    public static async Task ExtractAsync(string tarball, string target, OciImportLimits limits, IProgress<ImageProgress>? progress, CancellationToken cancellationToken)
    {
        string blobs = target + ".blobs";
        Directory.CreateDirectory(blobs);
        Directory.CreateDirectory(target, (UnixFileMode)0x1ED);
        try
        {
            progress?.Report(new ImageProgress("reading blobs", 5));
            byte[] index = await CopyBlobsAsync(tarball, blobs, limits, cancellationToken).ConfigureAwait(false);
            List<string> layers = Layers(index, blobs, limits);
            var extractor = new OciLayerExtractor(target, limits);
            for (int i = 0; i < layers.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                progress?.Report(new ImageProgress($"applying layer {i + 1}/{layers.Count}", 10 + (80 * i / layers.Count)));
                await using Stream layer = OpenLayer(Path.Join(blobs, layers[i]));
                extractor.Apply(layer);
            }
        }
        finally
        {
            Directory.Delete(blobs, recursive: true);
        }
    }

    /// <summary>Copies every blobs/sha256/HEX entry to <paramref name="blobs"/>/HEX, verifying the digest; returns index.json.</summary>
    private static async Task<byte[]> CopyBlobsAsync(string tarball, string blobs, OciImportLimits limits, CancellationToken cancellationToken)
    {
        byte[]? index = null;
        long total = 0;
        await using var file = new FileStream(tarball, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous);
        using var reader = new TarReader(file);
        while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
        {
            string name = entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name[2..] : entry.Name;
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null)
            {
                continue;
            }

            if (name == "index.json")
            {
                index = await ReadBoundedAsync(entry.DataStream, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (!name.StartsWith(BlobPrefix, StringComparison.Ordinal) || !IsHexDigest(name[BlobPrefix.Length..]))
            {
                continue;
            }

            string hex = name[BlobPrefix.Length..];
            total += entry.Length;
            if (total > limits.MaxBlobBytes)
            {
                throw new InvalidDataException($"the tarball's blobs exceed {limits.MaxBlobBytes} bytes");
            }

            await using (var blob = new FileStream(Path.Join(blobs, hex), FileMode.CreateNew, FileAccess.Write))
            using (var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                byte[] buffer = new byte[1 << 16];
                int read;
                while ((read = await entry.DataStream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    sha.AppendData(buffer, 0, read);
                    await blob.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }

                if (Convert.ToHexStringLower(sha.GetHashAndReset()) != hex)
                {
                    throw new InvalidDataException($"blob {hex} does not match its digest; the tarball is corrupt");
                }
            }
        }

        return index ?? throw new InvalidDataException("the tarball has no index.json: pass an OCI image layout archive (docker save from Docker 25+, or skopeo copy docker://IMAGE oci-archive:FILE.tar)");
    }

    /// <summary>The layer digests (hex) of the image index.json points at, bottom layer first.</summary>
    private static List<string> Layers(byte[] index, string blobs, OciImportLimits limits)
    {
        byte[] current = index;
        for (int depth = 0; depth < 4; depth++)
        {
            using JsonDocument document = JsonDocument.Parse(current);
            JsonElement top = document.RootElement;
            if (top.TryGetProperty("layers", out JsonElement layers))
            {
                var result = new List<string>();
                foreach (JsonElement layer in layers.EnumerateArray())
                {
                    result.Add(DigestHex(layer));
                    if (result.Count > limits.MaxLayers)
                    {
                        throw new InvalidDataException($"the image has more than {limits.MaxLayers} layers");
                    }
                }

                return result;
            }

            if (!top.TryGetProperty("manifests", out JsonElement manifests))
            {
                throw new InvalidDataException("index.json/manifest has neither 'manifests' nor 'layers'");
            }

            JsonElement? chosen = null;
            foreach (JsonElement manifest in manifests.EnumerateArray())
            {
                if (!manifest.TryGetProperty("platform", out JsonElement platform)
                    || (platform.TryGetProperty("os", out JsonElement os) && os.GetString() == "linux"
                        && platform.TryGetProperty("architecture", out JsonElement arch) && arch.GetString() == "amd64"))
                {
                    chosen = manifest;
                    break;
                }
            }

            if (chosen is null)
            {
                throw new InvalidDataException("the image has no linux/amd64 manifest");
            }

            string path = Path.Join(blobs, DigestHex(chosen.Value));
            if (!File.Exists(path) || new FileInfo(path).Length > OciImportLimits.MaxJsonBytes)
            {
                throw new InvalidDataException("a manifest index.json names is missing from the tarball or too large");
            }

            current = File.ReadAllBytes(path);
        }

        throw new InvalidDataException("index.json nests image indexes too deeply");
    }

    private static string DigestHex(JsonElement descriptor)
    {
        string digest = descriptor.GetProperty("digest").GetString() ?? "";
        if (!digest.StartsWith("sha256:", StringComparison.Ordinal) || !IsHexDigest(digest[7..]))
        {
            throw new InvalidDataException($"unsupported digest '{digest}' (only sha256)");
        }

        return digest[7..];
    }

    private static Stream OpenLayer(string path)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        Span<byte> magic = stackalloc byte[4];
        int read = file.Read(magic);
        file.Position = 0;
        if (read >= 2 && magic[0] == 0x1F && magic[1] == 0x8B)
        {
            return new GZipStream(file, CompressionMode.Decompress);
        }

        if (read == 4 && magic[0] == 0x28 && magic[1] == 0xB5 && magic[2] == 0x2F && magic[3] == 0xFD)
        {
            file.Dispose();
            throw new InvalidDataException("zstd-compressed layers are not supported: export the image with gzip or uncompressed layers");
        }

        return file;
    }

    private static async Task<byte[]> ReadBoundedAsync(Stream stream, CancellationToken cancellationToken)
    {
        using var memory = new MemoryStream();
        byte[] buffer = new byte[8192];
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (memory.Length + read > OciImportLimits.MaxJsonBytes)
            {
                throw new InvalidDataException("index.json is larger than 1 MiB");
            }

            memory.Write(buffer, 0, read);
        }

        return memory.ToArray();
    }

    private static bool IsHexDigest(string text) => text.Length == 64 && text.All(c => char.IsAsciiHexDigitLower(c) || char.IsAsciiDigit(c));
}
