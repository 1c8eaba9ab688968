using AotSandbox.Emulator.Rest;
using AotSandbox.Emulator.Sandboxes;

namespace AotSandbox.Tests.Emulator;

/// <summary>The list request's query parser, its cursor and its pager (docs/PROTOCOL.md §4.6), as pure functions.</summary>
public sealed class SandboxListQueryTests
{
    private static bool Parse(string?[] limit, string?[] cursor, string?[] all, out SandboxListQuery? query, out string? error) =>
        SandboxListQueryParser.TryParse(limit, cursor, all, out query, out error);

    [Fact]
    public void NoParameters_DefaultPageOfLiveSandboxes()
    {
        Assert.True(Parse([], [], [], out SandboxListQuery? query, out _));
        Assert.Equal(new SandboxListQuery(SandboxListQueryParser.DefaultLimit, null, false), query);
    }

    [Theory]
    [InlineData("1", 1)]
    [InlineData("256", 256)]
    [InlineData("042", 42)]
    public void Limit_InRange_IsTaken(string text, int expected)
    {
        Assert.True(Parse([text], [], [], out SandboxListQuery? query, out _));
        Assert.Equal(expected, query!.Limit);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("257")]
    [InlineData("-1")]
    [InlineData("+5")]
    [InlineData(" 5")]
    [InlineData("1e2")]
    [InlineData("")]
    [InlineData("99999999999999999999")]
    public void Limit_OutOfRangeOrNotDigits_IsRefusedWithTheBounds(string text)
    {
        Assert.False(Parse([text], [], [], out _, out string? error));
        Assert.Contains("between 1 and 256", error, StringComparison.Ordinal);
    }

    [Fact]
    public void RepeatedParameter_IsRefusedNotPicked()
    {
        Assert.False(Parse(["5", "6"], [], [], out _, out string? error));
        Assert.Contains("'limit' is given 2 times", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("false", false)]
    public void All_TrueOrFalse(string text, bool expected)
    {
        Assert.True(Parse([], [], [text], out SandboxListQuery? query, out _));
        Assert.Equal(expected, query!.IncludeEnded);
    }

    [Fact]
    public void All_OtherValue_IsRefused() => Assert.False(Parse([], [], ["yes"], out _, out _));

    [Fact]
    public void Cursor_RoundTrips()
    {
        var cursor = new SandboxListCursor(638_000_000_000_000_000, "sb-0123456789abcdef0123456789abcdef");
        Assert.True(Parse([], [cursor.ToString()], [], out SandboxListQuery? query, out _));
        Assert.Equal(cursor, query!.After);
    }

    [Theory]
    [InlineData("")]
    [InlineData(".sb-1")]
    [InlineData("12.")]
    [InlineData("12")]
    [InlineData("-12.sb-1")]
    [InlineData("12.sb/../1")]
    [InlineData("12.sb 1")]
    [InlineData("99999999999999999999.sb-1")]
    [InlineData("1.2.3")]
    public void Cursor_NotIssuedByTheServer_IsRefused(string text)
    {
        Assert.False(Parse([], [text], [], out _, out string? error));
        Assert.Contains("nextCursor", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Cursor_LongerThanAnyIssued_IsRefused() =>
        Assert.False(SandboxListCursor.TryParse("1." + new string('a', 200), out _));

    private static SandboxListEntry Entry(string id, long ticks) => new(
        new SandboxDescription(id, "ns", null, "SMALL", "cpu:default", "local", "local", 3600, 900,
            new Dictionary<int, string>(), new DateTimeOffset(ticks, TimeSpan.Zero)),
        SandboxStatus.Running,
        null);

    [Fact]
    public void Pager_WalksEveryEntryOnceOldestFirst_WhateverTheInputOrder()
    {
        // Three share a creation tick: the id breaks the tie, so no page boundary can skip or repeat one of them.
        SandboxListEntry[] entries = [Entry("sb-c", 600_000_000_000_000_000), Entry("sb-b", 600_000_000_000_000_000), Entry("sb-z", 500_000_000_000_000_000), Entry("sb-a", 600_000_000_000_000_000), Entry("sb-y", 700_000_000_000_000_000)];
        var seen = new List<string>();
        SandboxListCursor? cursor = null;
        int pages = 0;
        do
        {
            (List<SandboxListEntry> page, SandboxListCursor? next) = SandboxListPager.Page(entries.Reverse(), new SandboxListQuery(2, cursor, false));
            Assert.InRange(page.Count, 1, 2);
            seen.AddRange(page.Select(e => e.Description.Id));
            cursor = next;
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(["sb-z", "sb-a", "sb-b", "sb-c", "sb-y"], seen);
        Assert.Equal(3, pages);
    }

    [Fact]
    public void Pager_ExactlyFullLastPage_HasNoNextCursor()
    {
        (List<SandboxListEntry> page, SandboxListCursor? next) = SandboxListPager.Page([Entry("sb-a", 1), Entry("sb-b", 2)], new SandboxListQuery(2, null, false));
        Assert.Equal(2, page.Count);
        Assert.Null(next);
    }

    [Fact]
    public void Pager_CursorOfAnEndedSandbox_StillResumesAfterIt()
    {
        // The entry the cursor names is gone (destroyed between pages): the next page starts after its key anyway.
        (List<SandboxListEntry> page, _) = SandboxListPager.Page([Entry("sb-a", 1), Entry("sb-c", 3)], new SandboxListQuery(10, new SandboxListCursor(2, "sb-b"), false));
        Assert.Equal(["sb-c"], page.Select(e => e.Description.Id));
    }
}
