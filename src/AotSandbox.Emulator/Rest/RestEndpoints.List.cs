using AotSandbox.Emulator.Sandboxes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AotSandbox.Emulator.Rest;

/// <summary>The <c>sandbox.list</c> extension: GET on the collection (docs/PROTOCOL.md §4.6).</summary>
internal sealed partial class RestEndpoints
{
    /// <summary>
    /// Maps the list only when the extension is advertised: in strict mode the path falls through to the server's
    /// JSON 404, as on a service that has no such endpoint. Only the plural path: no client ever listed on the legacy
    /// singular one.
    /// </summary>
    private void MapList(IEndpointRouteBuilder routes)
    {
        if (_renderer.Advertised.Contains(ViewRenderer.SandboxListExtension))
        {
            routes.MapGet("/api/v1/namespaces/{ns}/sandboxes", new RequestDelegate(ListAsync));
        }
    }

    private async Task ListAsync(HttpContext context)
    {
        string ns = (string)context.Request.RouteValues["ns"]!;
        if (!Authorize(context, ns, out string? keyNamespace))
        {
            // 403 like create, not the 404 of get/delete: the namespace is in the path (nothing to hide), and a client
            // must not read a refused key as "this server cannot list".
            await WriteUnauthorizedOrForbiddenAsync(context, keyNamespace, ns).ConfigureAwait(false);
            return;
        }

        IQueryCollection q = context.Request.Query;
        if (!SandboxListQueryParser.TryParse(q["limit"].ToArray(), q["cursor"].ToArray(), q["all"].ToArray(), out SandboxListQuery? query, out string? error))
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, error!).ConfigureAwait(false);
            return;
        }

        if (TryOrigin(context) is not { } origin)
        {
            await WriteBadHostAsync(context).ConfigureAwait(false);
            return;
        }

        // No Touch(): listing is not use. A dashboard polling the list must not keep every sandbox alive forever.
        (List<SandboxListEntry> page, SandboxListCursor? next) = SandboxListPager.Page(EntriesOf(ns, query!.IncludeEnded), query);
        var views = new SandboxView[page.Count];
        for (int i = 0; i < views.Length; i++)
        {
            views[i] = _renderer.Render(page[i].Description, origin, page[i].Status, null, page[i].Reason);
        }

        var body = new SandboxListView { Sandboxes = views, NextCursor = next?.ToString(), Extensions = [.. _renderer.Advertised] };
        await WriteJsonAsync(context, StatusCodes.Status200OK, body, EmulatorJsonContext.Default.SandboxListView).ConfigureAwait(false);
    }

    /// <summary>The caller's namespace only; a sandbox being torn down counts as ended, never as both.</summary>
    private IEnumerable<SandboxListEntry> EntriesOf(string ns, bool includeEnded)
    {
        foreach (EmulatedSandbox sandbox in _manager.Registry.Live)
        {
            if (sandbox.Description.Namespace == ns && !sandbox.IsEnding)
            {
                yield return new SandboxListEntry(sandbox.Description, SandboxStatus.Running, null);
            }
        }

        if (!includeEnded)
        {
            yield break;
        }

        foreach (Tombstone tombstone in _manager.Registry.Tombstones)
        {
            if (tombstone.Description.Namespace == ns)
            {
                yield return new SandboxListEntry(tombstone.Description, tombstone.Status, tombstone.Reason);
            }
        }
    }
}
