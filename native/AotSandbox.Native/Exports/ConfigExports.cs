using System.Runtime.InteropServices;
using System.Security.Cryptography.X509Certificates;
using AotSandbox.Native.Interop;
using AotSandbox.Native.Objects;

namespace AotSandbox.Native.Exports;

/// <summary>aotsb_config_* (mutable builder) and aotsb_client_* (immutable snapshot used by every sandbox call).</summary>
internal static unsafe class ConfigExports
{
    [UnmanagedCallersOnly(EntryPoint = "aotsb_config_new")]
    public static int ConfigNew(nint* outConfig, nint* outError)
    {
        try
        {
            Out.Require(outConfig, "out_config");
            Out.Handle(outConfig, new ConfigObject());
            return Calls.Ok(outError);
        }
        catch (Exception e)
        {
            return Calls.Fail(e, outError);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "aotsb_config_free")]
    public static void ConfigFree(nint config) => LibraryExports.Release(config);

    [UnmanagedCallersOnly(EntryPoint = "aotsb_config_set_api_host")]
    public static int SetApiHost(nint config, byte* value, nuint length, nint* outError)
    {
        try
        {
            Handles.Get<ConfigObject>(config, "config").ApiHost = Utf8Args.Optional(value, length, "api_host");
            return Calls.Ok(outError);
        }
        catch (Exception e)
        {
            return Calls.Fail(e, outError);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "aotsb_config_set_namespace")]
    public static int SetNamespace(nint config, byte* value, nuint length, nint* outError)
    {
        try
        {
            Handles.Get<ConfigObject>(config, "config").Namespace = Utf8Args.Optional(value, length, "namespace");
            return Calls.Ok(outError);
        }
        catch (Exception e)
        {
            return Calls.Fail(e, outError);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "aotsb_config_set_api_key")]
    public static int SetApiKey(nint config, byte* value, nuint length, nint* outError)
    {
        try
        {
            Handles.Get<ConfigObject>(config, "config").ApiKey = Utf8Args.Optional(value, length, "api_key");
            return Calls.Ok(outError);
        }
        catch (Exception e)
        {
            return Calls.Fail(e, outError);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "aotsb_config_set_skip_tls_verify")]
    public static int SetSkipTlsVerify(nint config, int skip, nint* outError)
    {
        try
        {
            Handles.Get<ConfigObject>(config, "config").SkipTlsVerify = skip != 0;
            return Calls.Ok(outError);
        }
        catch (Exception e)
        {
            return Calls.Fail(e, outError);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "aotsb_config_add_trusted_ca_pem")]
    public static int AddTrustedCaPem(nint config, byte* pem, nuint length, nint* outError)
    {
        try
        {
            ConfigObject target = Handles.Get<ConfigObject>(config, "config");
            string text = Utf8Args.NonEmpty(pem, length, "pem");
            var certificates = new X509Certificate2Collection();
            try
            {
                certificates.ImportFromPem(text);
            }
            catch (System.Security.Cryptography.CryptographicException ex)
            {
                throw NativeCallException.Argument("pem: " + ex.Message);
            }

            if (certificates.Count == 0)
            {
                throw NativeCallException.Argument("pem holds no certificate");
            }

            target.TrustedCas ??= [];
            target.TrustedCas.AddRange(certificates);
            return Calls.Ok(outError);
        }
        catch (Exception e)
        {
            return Calls.Fail(e, outError);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "aotsb_config_set_http_timeout")]
    public static int SetHttpTimeout(nint config, uint timeoutMs, nint* outError)
    {
        try
        {
            Handles.Get<ConfigObject>(config, "config").HttpTimeoutMs = timeoutMs;
            return Calls.Ok(outError);
        }
        catch (Exception e)
        {
            return Calls.Fail(e, outError);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "aotsb_config_set_connect_timeout")]
    public static int SetConnectTimeout(nint config, uint timeoutMs, nint* outError)
    {
        try
        {
            Handles.Get<ConfigObject>(config, "config").ConnectTimeoutMs = timeoutMs;
            return Calls.Ok(outError);
        }
        catch (Exception e)
        {
            return Calls.Fail(e, outError);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "aotsb_client_new")]
    public static int ClientNew(nint config, nint* outClient, nint* outError)
    {
        try
        {
            Out.Require(outClient, "out_client");
            ConfigObject? source = Handles.Optional<ConfigObject>(config, "config");
            Out.Handle(outClient, new ClientObject(source ?? new ConfigObject()));
            return Calls.Ok(outError);
        }
        catch (Exception e)
        {
            return Calls.Fail(e, outError);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "aotsb_client_free")]
    public static void ClientFree(nint client) => LibraryExports.Release(client);
}
