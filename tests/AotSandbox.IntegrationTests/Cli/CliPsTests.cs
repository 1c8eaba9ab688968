using System.Text.Json;

namespace AotSandbox.IntegrationTests.Cli;

/// <summary>
/// `aotsandbox ps` (issue 16 item 1) with the PUBLISHED binary: from the emulator's <c>sandbox.list</c> extension, and
/// from the CLI's local records against the strict emulator, which has no list, saying so on stderr.
/// </summary>
[Collection(CliCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class CliPsTests(CliFixture fixture)
{
    private static string[] Line(string table, string id) =>
        table.Split('\n').Single(l => l.StartsWith(id, StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public async Task Ps_ListsFromTheService_TableAndJson_EndedOnlyWithAll()
    {
        string web = await fixture.CreateSandboxAsync("--name", "ps-web\u001b[31m", "-p", "3000", "-p", "8080");
        string other = await fixture.CreateSandboxAsync();
        CliRun destroyed = await fixture.RunAsync("destroy", other);
        Assert.True(destroyed.ExitCode == 0, destroyed.ToString());

        CliRun table = await fixture.RunAsync("ps");
        CliRun alias = await fixture.RunAsync("sandboxes", "--all");
        CliRun json = await fixture.RunAsync("ps", "--json", "-a");

        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Equal(string.Empty, table.Stderr);
        Assert.StartsWith("ID ", table.Stdout, StringComparison.Ordinal);
        Assert.Equal(["ID", "NAME", "STATUS", "AGE", "SIZE", "PORTS"], table.Stdout.Split('\n')[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        string[] row = Line(table.Stdout, web);
        Assert.Equal("ps-web?[31m", row[1]); // the escape sequence is neutralised, not sent to the terminal
        Assert.Equal("running", row[2]);
        Assert.Matches(@"^\d+[smhd]$", row[3]);
        Assert.Equal(("SMALL", "3000,8080"), (row[4], row[5]));
        Assert.DoesNotContain(other, table.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b", table.Stdout, StringComparison.Ordinal);

        Assert.True(alias.ExitCode == 0, alias.ToString());
        Assert.Equal("destroyed", Line(alias.Stdout, other)[2]);

        Assert.True(json.ExitCode == 0, json.ToString());
        using JsonDocument document = JsonDocument.Parse(json.Stdout);
        Assert.Equal("service", document.RootElement.GetProperty("source").GetString());
        JsonElement[] entries = document.RootElement.GetProperty("sandboxes").EnumerateArray().ToArray();
        JsonElement webEntry = entries.Single(e => e.GetProperty("sandboxId").GetString() == web);
        Assert.Equal("ps-web\u001b[31m", webEntry.GetProperty("name").GetString()); // JSON keeps the exact name, escaped
        Assert.Equal("running", webEntry.GetProperty("status").GetString());
        Assert.Equal("SMALL", webEntry.GetProperty("size").GetString());
        Assert.StartsWith("http://p3000-", webEntry.GetProperty("previewUrls").GetProperty("3000").GetString(), StringComparison.Ordinal);
        Assert.InRange(webEntry.GetProperty("ageSeconds").GetInt64(), 0, 600);
        Assert.True(DateTimeOffset.Parse(webEntry.GetProperty("expiresAt").GetString()!, System.Globalization.CultureInfo.InvariantCulture) > DateTimeOffset.UtcNow);
        JsonElement otherEntry = entries.Single(e => e.GetProperty("sandboxId").GetString() == other);
        Assert.Equal(("destroyed", "destroyed by DELETE"), (otherEntry.GetProperty("status").GetString(), otherEntry.GetProperty("reason").GetString()));

        await fixture.RunAsync("destroy", web);
    }

    [Fact]
    public async Task Ps_AgainstAServiceWithoutTheList_ShowsLocalRecordsAndSaysSo()
    {
        Dictionary<string, string?> strict = fixture.OwEnvironment(fixture.StrictServer);
        CliRun created = await fixture.RunAsync(["create", "--size", "Small", "--name", "ps-local", "-p", "3000"], null, environment: strict);
        Assert.True(created.ExitCode == 0, created.ToString());
        string id = created.Stdout.Trim();
        CliRun shortLived = await fixture.RunAsync(["create", "--size", "Small", "--max-lifetime", "3"], null, environment: strict);
        Assert.True(shortLived.ExitCode == 0, shortLived.ToString());
        string expired = shortLived.Stdout.Trim();
        string elsewhere = await fixture.CreateSandboxAsync(); // recorded for the other emulator: never listed here
        await Task.Delay(TimeSpan.FromSeconds(3.5));

        CliRun table = await fixture.RunAsync(["ps"], null, environment: strict);
        CliRun all = await fixture.RunAsync(["ps", "--all"], null, environment: strict);
        CliRun json = await fixture.RunAsync(["ps", "--json"], null, environment: strict);

        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains("cannot list sandboxes", table.Stderr, StringComparison.Ordinal);
        Assert.Contains("from its records in", table.Stderr, StringComparison.Ordinal);
        string[] row = Line(table.Stdout, id);
        Assert.Equal(("ps-local", "unknown", "SMALL", "3000"), (row[1], row[2], row[4], row[5]));
        Assert.DoesNotContain(expired, table.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(elsewhere, table.Stdout, StringComparison.Ordinal);

        Assert.True(all.ExitCode == 0, all.ToString());
        Assert.Equal("expired", Line(all.Stdout, expired)[2]);

        Assert.True(json.ExitCode == 0, json.ToString());
        using JsonDocument document = JsonDocument.Parse(json.Stdout);
        Assert.Equal("local-records", document.RootElement.GetProperty("source").GetString());
        JsonElement entry = document.RootElement.GetProperty("sandboxes").EnumerateArray().Single(e => e.GetProperty("sandboxId").GetString() == id);
        Assert.Equal("unknown", entry.GetProperty("status").GetString());
        Assert.Contains("cannot list sandboxes", json.Stderr, StringComparison.Ordinal);

        await fixture.RunAsync(["destroy", id], null, environment: strict);
        await fixture.RunAsync("destroy", elsewhere);
    }

    [Fact]
    public async Task Ps_IsInTheHelp_AndDoesNotClashWithLs()
    {
        CliRun help = await fixture.RunAsync("--help");
        CliRun psHelp = await fixture.RunAsync("ps", "--help");
        CliRun ls = await fixture.RunAsync("ls", "--help");

        Assert.Contains("ps, sandboxes", help.Stdout, StringComparison.Ordinal);
        Assert.Contains("sandbox.list", psHelp.Stdout, StringComparison.Ordinal);
        Assert.Contains("--all", psHelp.Stdout, StringComparison.Ordinal);
        Assert.Contains("--json", psHelp.Stdout, StringComparison.Ordinal);
        Assert.Contains("List a directory in a sandbox", ls.Stdout, StringComparison.Ordinal);
    }
}
