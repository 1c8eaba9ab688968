using System.Globalization;
using System.Text;

namespace AotSandbox.Rest.Http;

/// <summary>Builds HTTP/1.1 request heads for the control plane (and the Host field the WebSocket upgrade shares).</summary>
internal static class HttpRequestWriter
{
    /// <summary>The Host field value: the host (IPv6 in brackets) and the port unless it is the scheme's default.</summary>
    public static string HostValue(Uri uri)
    {
        string host = uri.IdnHost;
        if (uri.HostNameType == UriHostNameType.IPv6 && !host.StartsWith('['))
        {
            host = "[" + host + "]";
        }

        return uri.IsDefaultPort ? host : host + ":" + uri.Port.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The request bytes: head, then the JSON body if any. The target comes from <see cref="Uri.PathAndQuery"/>, which
    /// percent-escapes what it must; a target that still holds a space or control byte is refused, since it could
    /// split the request line (ids and namespaces are caller input).
    /// </summary>
    /// <exception cref="ArgumentException">The path and query cannot be sent as a request target.</exception>
    public static byte[] Build(string method, Uri uri, string authorization, ReadOnlySpan<byte> jsonBody)
    {
        string target = uri.PathAndQuery;
        if (target.AsSpan().ContainsAnyExceptInRange('!', '~'))
        {
            throw new ArgumentException($"The request path '{target}' holds characters that cannot be sent in an HTTP request line.", nameof(uri));
        }

        var head = new StringBuilder(256);
        head.Append(method).Append(' ').Append(target).Append(" HTTP/1.1\r\nHost: ").Append(HostValue(uri))
            .Append("\r\nAuthorization: ").Append(authorization)
            .Append("\r\nAccept: application/json\r\n");
        if (method != "GET" && method != "DELETE" || !jsonBody.IsEmpty)
        {
            head.Append("Content-Type: application/json\r\nContent-Length: ")
                .Append(jsonBody.Length.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
        }

        head.Append("\r\n");
        byte[] request = new byte[Encoding.ASCII.GetByteCount(head.ToString()) + jsonBody.Length];
        int written = Encoding.ASCII.GetBytes(head.ToString(), request);
        jsonBody.CopyTo(request.AsSpan(written));
        return request;
    }
}
