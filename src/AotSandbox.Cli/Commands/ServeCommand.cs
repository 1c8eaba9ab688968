using System.CommandLine;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AotSandbox.Emulator;
using Microsoft.Extensions.Logging;

namespace AotSandbox.Cli.Commands;

/// <summary>`aotsandbox serve`: hosts the local emulator until Ctrl+C or SIGTERM.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var listen = new Option<string>("--listen", "-l")
        {
            Description = "Address to listen on (loopback by default; the API carries a key, keep it off public interfaces).",
            DefaultValueFactory = _ => $"127.0.0.1:{EmulatorOptions.DefaultCliPort}",
        };
        var ns = new Option<string>("--namespace", "-n") { Description = "Runtime namespace served.", DefaultValueFactory = _ => "local" };
        var apiKey = new Option<string?>("--api-key", "-k") { Description = "API key (uuid:secret) clients must present; generated when omitted." };
        var stateDir = new Option<string?>("--state-dir") { Description = "Where per-sandbox state lives (default /run/aotsandbox)." };
        var maxSandboxes = new Option<int>("--max-sandboxes") { Description = "Most sandboxes alive at once.", DefaultValueFactory = _ => 64 };
        var maxTotalPids = new Option<long?>("--max-total-pids")
        {
            Description = "Host budget: most pids all live sandboxes may reserve together (their tiers' pid limits); default pid_max minus a host reserve.",
        };
        var maxTotalMemory = new Option<long?>("--max-total-memory-mib")
        {
            Description = "Host budget: most MiB of memory limits all live sandboxes may reserve together; default 4 x the host's MemTotal.",
        };
        var maxPerNamespace = new Option<int?>("--max-sandboxes-per-namespace")
        {
            Description = "Most live sandboxes one namespace may hold; default --max-sandboxes.",
        };
        var poolSize = new Option<int>("--pool-size")
        {
            Description = "Pre-warmed SMALL sandboxes kept ready so a create only claims one (each used once, then replaced in the background); 0 turns the pool off.",
            DefaultValueFactory = _ => EmulatorOptions.DefaultPoolSize,
        };
        var instance = new Option<string?>("--instance")
        {
            Description = "Run as a separate instance NAME ([a-z0-9-], up to 16): own state root /run/aotsandbox-NAME, cgroup, network namespaces and uid slot, so it runs beside another emulator.",
        };
        var previewListen = new Option<string?>("--preview-listen")
        {
            Description = "Address of the preview proxy (preview URLs point here); default: the API address with port + 1.",
        };
        var egressResolve = new Option<string[]>("--egress-resolve")
        {
            Description = "NAME=IP:PORT (repeatable): the egress proxy dials IP:PORT whenever a sandbox's allowed connection to NAME is made (test upstreams without internet).",
            AllowMultipleArgumentsPerToken = false,
        };
        var egressTrustCa = new Option<string[]>("--egress-trust-ca")
        {
            Description = "PEM file (repeatable) of a CA trusted when the egress proxy verifies upstream certificates.",
        };
        var egressAllowPrivate = new Option<bool>("--egress-allow-private")
        {
            Description = "Let allowed egress reach loopback/private upstreams (refused by default); for local test servers.",
        };
        var strictProtocol = new Option<bool>("--strict-protocol")
        {
            Description = "Behave like Adobe's service: advertise no extensions (no exec.replay, no file.range), refuse their use, cap client messages at 1 MiB.",
        };
        var image = new Option<string>("--image")
        {
            Description = "Root filesystem of sandboxes: host (the host's /usr and a few /etc entries, read-only), default (the pinned Debian image: "
                + "python3, node, npm, git, curl; built once with mmdebstrap, ~2 min), a root-owned rootfs directory, or an OCI image tarball (.tar, docker save / skopeo).",
            DefaultValueFactory = _ => "host",
        };
        var imageCache = new Option<string?>("--image-cache") { Description = "Where built and imported images are cached (root-owned; default /var/cache/aotsandbox/images)." };
        var tlsCert = new Option<string?>("--tls-cert")
        {
            Description = "PEM certificate (chain) to serve the API over TLS: https:// and wss:// on the --listen address. Needs --tls-key; clients must trust its CA.",
        };
        var tlsKey = new Option<string?>("--tls-key") { Description = "PEM private key of --tls-cert." };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Log every sandbox and connection event." };

        var command = new Command("serve", "Run the local Runtime Sandboxes emulator (real bubblewrap sandboxes; needs root).")
        {
            listen, ns, apiKey, stateDir, maxSandboxes, maxTotalPids, maxTotalMemory, maxPerNamespace, poolSize, instance, previewListen, egressResolve, egressTrustCa, egressAllowPrivate, strictProtocol, image, imageCache, tlsCert, tlsKey, verbose,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            if (!TryParseEndPoint(result.GetValue(listen)!, out IPEndPoint endPoint))
            {
                return CliOutput.Fail($"--listen expects HOST:PORT with an IP address, e.g. 127.0.0.1:{EmulatorOptions.DefaultCliPort}.");
            }

            IPEndPoint preview = new(endPoint.Address, endPoint.Port is 0 or 65535 ? 0 : endPoint.Port + 1);
            if (result.GetValue(previewListen) is { } previewText && !TryParseEndPoint(previewText, out preview))
            {
                return CliOutput.Fail("--preview-listen expects HOST:PORT with an IP address, e.g. 127.0.0.1:8788.");
            }

            if (result.GetValue(poolSize) < 0)
            {
                return CliOutput.Fail("--pool-size expects 0 (no pre-warmed sandboxes) or more.");
            }

            X509Certificate2? certificate = null;
            if (result.GetValue(tlsCert) is not null || result.GetValue(tlsKey) is not null)
            {
                if (!TryLoadCertificate(result.GetValue(tlsCert), result.GetValue(tlsKey), out certificate, out string? problem))
                {
                    return CliOutput.Fail(problem);
                }
            }

            using X509Certificate2? servedCertificate = certificate;
            bool logEverything = result.GetValue(verbose);
            var bar = new ImageProgressBar();
            var options = new EmulatorOptions
            {
                Listen = endPoint,
                Namespace = result.GetValue(ns)!,
                ApiKey = result.GetValue(apiKey),
                StateDirectory = result.GetValue(stateDir),
                MaxSandboxes = result.GetValue(maxSandboxes),
                MaxTotalPids = result.GetValue(maxTotalPids),
                MaxTotalMemoryBytes = result.GetValue(maxTotalMemory) is { } mib ? checked(mib * 1024 * 1024) : null,
                MaxSandboxesPerNamespace = result.GetValue(maxPerNamespace),
                PoolSize = result.GetValue(poolSize),
                InstanceName = result.GetValue(instance),
                PreviewListen = preview,
                EgressAllowPrivateUpstreams = result.GetValue(egressAllowPrivate),
                StrictProtocol = result.GetValue(strictProtocol),
                Image = result.GetValue(image),
                ImageCacheDirectory = result.GetValue(imageCache),
                ImageProgress = bar.Report,
                ServerCertificate = servedCertificate,
                ConfigureLogging = logging =>
                {
                    logging.AddSimpleConsole(console => console.SingleLine = true);
                    logging.SetMinimumLevel(logEverything ? LogLevel.Information : LogLevel.Warning);
                },
            };

            foreach (string entry in result.GetValue(egressResolve) ?? [])
            {
                options.EgressResolve.Add(entry);
            }

            foreach (string file in result.GetValue(egressTrustCa) ?? [])
            {
                if (!File.Exists(file))
                {
                    return CliOutput.Fail($"--egress-trust-ca: no such file '{file}'.");
                }

                options.EgressTrustCaFiles.Add(file);
            }

            EmulatorServer server;
            try
            {
                server = new EmulatorServer(options);
            }
            catch (ArgumentException e)
            {
                return CliOutput.Fail(CliOutput.MessageOf(e));
            }

            await using var serverLifetime = server.ConfigureAwait(false);
            try
            {
                await server.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidOperationException e)
            {
                bar.Finish();
                return CliOutput.Fail(e.Message);
            }
            catch (IOException e)
            {
                bar.Finish();
                return CliOutput.Fail($"Cannot listen on {endPoint}: {e.Message}");
            }

            bar.Finish();
            Console.Out.WriteLine($"aotsandbox emulator listening on {server.ApiHost} (namespace '{server.Namespace}', image {options.Image}). Point the SDK at it with:");
            Console.Out.WriteLine($"export __OW_API_HOST={server.ApiHost}");
            Console.Out.WriteLine($"export __OW_NAMESPACE={server.Namespace}");
            Console.Out.WriteLine($"export __OW_API_KEY={server.ApiKey}");
            if (servedCertificate is not null)
            {
                Console.Out.WriteLine($"TLS: serving {servedCertificate.Subject}; clients must trust its CA (SDK: SandboxConnectionOptions.TrustedCertificateAuthorities).");
            }

            Console.Out.Flush();

            try
            {
                // System.CommandLine cancels this token on Ctrl+C and SIGTERM.
                await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }

            Console.Error.WriteLine("Stopping: destroying every sandbox.");
            await server.StopAsync(CancellationToken.None).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    /// <summary>Loads <c>--tls-cert</c> with <c>--tls-key</c>; false with a one-line problem when either is missing or unreadable.</summary>
    private static bool TryLoadCertificate(string? certFile, string? keyFile, out X509Certificate2? certificate, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? problem)
    {
        certificate = null;
        problem = null;
        if (certFile is null || keyFile is null)
        {
            problem = "--tls-cert and --tls-key go together: give the PEM certificate and its PEM private key.";
            return false;
        }

        try
        {
            certificate = X509Certificate2.CreateFromPemFile(certFile, keyFile);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            problem = $"--tls-cert '{certFile}' / --tls-key '{keyFile}': {e.Message} (expected a PEM certificate and its PEM private key, e.g. from openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout key.pem -out cert.pem).";
            return false;
        }
    }

    private static bool TryParseEndPoint(string text, out IPEndPoint endPoint)
    {
        if (text.StartsWith("localhost:", StringComparison.OrdinalIgnoreCase))
        {
            text = "127.0.0.1" + text["localhost".Length..];
        }

        bool ok = IPEndPoint.TryParse(text, out IPEndPoint? parsed) && text.Contains(':', StringComparison.Ordinal);
        endPoint = parsed ?? new IPEndPoint(IPAddress.Loopback, EmulatorOptions.DefaultCliPort);
        return ok;
    }
}
