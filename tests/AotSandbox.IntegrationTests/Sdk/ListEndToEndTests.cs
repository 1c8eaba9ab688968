namespace AotSandbox.IntegrationTests.Sdk;

/// <summary>
/// <see cref="Sandbox.ListAsync"/> against the real emulator with real sandboxes (docs/PROTOCOL.md §4.6): it lists the
/// namespace's sandboxes where the emulator offers <c>sandbox.list</c>, and raises
/// <see cref="SandboxExtensionNotSupportedException"/> in strict mode, as against Adobe's service.
/// </summary>
public abstract class ListEndToEndTests(SdkEmulatorFixture emulator)
{
    private SandboxListOptions ListOptions(bool includeEnded = false, int pageSize = 100) => new()
    {
        ApiHost = emulator.Server.ApiHost,
        Namespace = emulator.Server.Namespace,
        ApiKey = emulator.Server.ApiKey,
        IncludeEnded = includeEnded,
        PageSize = pageSize,
    };

    [Fact]
    public async Task ListAsync_ShowsLiveSandboxesWithTheirFields_OrSaysItIsNotSupported()
    {
        SandboxCreateOptions create = emulator.Create("listed-web");
        create.Ports = [3000];
        Sandbox first = await Sandbox.CreateAsync(create);
        Sandbox second = await Sandbox.CreateAsync(emulator.Create("listed-other"));
        try
        {
            Assert.Equal(!emulator.StrictProtocol, first.Extensions.Contains(SandboxExtensionNames.SandboxList));
            if (emulator.StrictProtocol)
            {
                SandboxExtensionNotSupportedException e = await Assert.ThrowsAsync<SandboxExtensionNotSupportedException>(() => Sandbox.ListAsync(ListOptions()));
                Assert.Equal(SandboxExtensionNames.SandboxList, e.Extension);
                Assert.Contains("404", e.Message, StringComparison.Ordinal);
                return;
            }

            // Page size 1 so that the SDK must follow cursors through real pages.
            IReadOnlyList<SandboxSummary> list = await Sandbox.ListAsync(ListOptions(pageSize: 1));

            Assert.Equal(list.Count, list.Select(s => s.Id).Distinct().Count());
            SandboxSummary web = Assert.Single(list, s => s.Id == first.Id);
            SandboxSummary other = Assert.Single(list, s => s.Id == second.Id);
            Assert.Equal(("listed-web", "running", "SMALL"), (web.Name, web.Status, web.Size));
            Assert.Equal(first.PreviewUrls[3000], web.PreviewUrls[3000]);
            Assert.InRange(web.AgeAt(DateTimeOffset.UtcNow)!.Value, TimeSpan.Zero, TimeSpan.FromMinutes(5));
            Assert.Equal(web.CreatedAt!.Value + first.MaxLifetime, web.ExpiresAt);
            Assert.True(list.ToList().IndexOf(web) < list.ToList().IndexOf(other), "oldest first");

            // The listed sandbox is the real one: a command in it runs.
            ExecResult echo = await first.Exec("echo listed", new ExecOptions { Timeout = TimeSpan.FromSeconds(10) });
            Assert.Equal("listed\n", echo.Stdout);
        }
        finally
        {
            await first.DestroyAsync();
            await second.DestroyAsync();
        }
    }

    [Fact]
    public async Task ListAsync_DestroyedSandbox_LeavesTheLiveListAndShowsWithIncludeEnded()
    {
        if (emulator.StrictProtocol)
        {
            await Assert.ThrowsAsync<SandboxExtensionNotSupportedException>(() => Sandbox.ListAsync(ListOptions(includeEnded: true)));
            return;
        }

        Sandbox sandbox = await Sandbox.CreateAsync(emulator.Create("listed-then-destroyed"));
        await sandbox.DestroyAsync();

        IReadOnlyList<SandboxSummary> live = await Sandbox.ListAsync(ListOptions());
        IReadOnlyList<SandboxSummary> all = await Sandbox.ListAsync(ListOptions(includeEnded: true));

        Assert.DoesNotContain(live, s => s.Id == sandbox.Id);
        SandboxSummary ended = Assert.Single(all, s => s.Id == sandbox.Id);
        Assert.Equal(("destroyed", "destroyed by DELETE"), (ended.Status, ended.Reason));
    }

    [Fact]
    public async Task ListAsync_WrongKey_IsUnauthorized_WhereTheListExists()
    {
        SandboxListOptions options = ListOptions();
        options.ApiKey = "00000000-0000-0000-0000-000000000000:wrong";
        if (emulator.StrictProtocol)
        {
            // No list endpoint at all: there is nothing to authorize, and the answer must not read as a refused key.
            await Assert.ThrowsAsync<SandboxExtensionNotSupportedException>(() => Sandbox.ListAsync(options));
        }
        else
        {
            await Assert.ThrowsAsync<SandboxUnauthorizedException>(() => Sandbox.ListAsync(options));
        }
    }
}

[Collection(SdkEmulatorCollection.Name)]
public sealed class ListEndToEndTestsExtended(SdkEmulatorFixture emulator) : ListEndToEndTests(emulator);

[Collection(StrictSdkEmulatorCollection.Name)]
public sealed class ListEndToEndTestsStrict(StrictSdkEmulatorFixture emulator) : ListEndToEndTests(emulator);
