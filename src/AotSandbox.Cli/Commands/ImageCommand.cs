using System.CommandLine;
using AotSandbox.Emulator;

namespace AotSandbox.Cli.Commands;

/// <summary>`aotsandbox image build [IMAGE]`: builds or imports a sandbox image into the cache ahead of `serve --image`.</summary>
internal static class ImageCommand
{
    public static Command Create()
    {
        var image = new Argument<string>("image")
        {
            Description = "default (the pinned Debian image, built with mmdebstrap), a root filesystem directory, or an OCI image tarball (.tar).",
            DefaultValueFactory = _ => "default",
        };
        var cache = new Option<string?>("--image-cache") { Description = "Image cache directory (root-owned; default /var/cache/aotsandbox/images)." };
        var build = new Command("build", "Build (or import) a sandbox image now, so `serve --image` starts without waiting; prints its content id and root.")
        {
            image, cache,
        };
        build.SetAction(async (result, cancellationToken) =>
        {
            var bar = new ImageProgressBar();
            try
            {
                var (id, root) = await EmulatorImages.PrepareAsync(result.GetValue(image)!, result.GetValue(cache), bar.Report, cancellationToken).ConfigureAwait(false);
                bar.Finish();
                Console.Out.WriteLine($"{id} {root}");
                return 0;
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                bar.Finish();
                return CliOutput.Fail(e.Message);
            }
        });
        return new Command("image", "Sandbox images: the root filesystem sandboxes see (serve --image).") { build };
    }
}
