using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ConvoCanvas.Web.Tests;

[Collection(WebCollection.Name)]
public sealed class ConversationPagesTests(WebFixture web)
{
    [Fact]
    public async Task Conversations_lists_the_imports_filters_by_source_and_opens_a_transcript()
    {
        var all = await web.Http.GetFromJsonAsync<JsonElement>("api/conversations?limit=1");
        var chatgpt = await web.Http.GetFromJsonAsync<JsonElement>("api/conversations?source=chatgpt&limit=100");
        var total = all.GetProperty("total").GetInt32();
        var chatgptTotal = chatgpt.GetProperty("total").GetInt32();
        Assert.InRange(chatgptTotal, 1, total - 1);
        var dns = chatgpt.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("title").GetString() == "Fix DNS");
        var offPath = dns.GetProperty("offPathMessageCount").GetInt32();
        var onPath = dns.GetProperty("messageCount").GetInt32() - offPath;
        Assert.True(offPath > 0, "the Fix DNS fixture has branches");

        await web.OnPageAsync("conversations", async page =>
        {
            var count = page.GetByTestId("count");
            await Expect(count).ToHaveTextAsync($"{N(total)} conversations");
            var rows = page.GetByTestId("conversations").Locator("tbody tr");
            await Expect(rows).ToHaveCountAsync(Math.Min(total, 50));
            await Expect(page.GetByTestId("conversations")).ToContainTextAsync("Fix DNS");
            await Expect(page.GetByTestId("conversations")).ToContainTextAsync("claude");

            await page.GetByTestId("filter-source").SelectOptionAsync("chatgpt");
            await page.GetByTestId("filter-apply").ClickAsync();

            await Expect(count).ToHaveTextAsync($"{N(chatgptTotal)} conversations");
            await Expect(rows).ToHaveCountAsync(chatgptTotal);
            foreach (var source in await rows.Locator("td:nth-child(2)").AllInnerTextsAsync())
            {
                Assert.Equal("chatgpt", source.Trim());
            }

            // The count is the active path, with the other branches' messages beside it.
            await Expect(rows.Filter(new() { HasText = "Fix DNS" }).Locator("td:nth-child(4)")).ToHaveTextAsync($"{onPath} (+{offPath} on branches)");
            await WebFixture.ScreenshotAsync(page, $"{nameof(Conversations_lists_the_imports_filters_by_source_and_opens_a_transcript)}-filtered");

            await page.GetByRole(AriaRole.Link, new() { Name = "Fix DNS", Exact = true }).ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex("/conversations/chatgpt"));
            await Expect(page.Locator("h1")).ToHaveTextAsync("Fix DNS");
            // Empty hidden messages (the export's blank system message) are kept but not shown.
            var conversation = await web.Http.GetFromJsonAsync<JsonElement>($"api/conversations/{Uri.EscapeDataString(dns.GetProperty("id").GetString()!)}");
            var messages = conversation.GetProperty("conversation").GetProperty("messages").EnumerateArray()
                .ToDictionary(m => m.GetProperty("id").GetString()!, m =>
                    (m.GetProperty("text").GetString() ?? "").Length > 0
                    || m.GetProperty("blocks").EnumerateArray().Any(b => b.TryGetProperty("text", out var text) && text.GetString() is { Length: > 0 }));
            var shown = conversation.GetProperty("conversation").GetProperty("activePath").EnumerateArray()
                .Count(id => messages[id.GetString()!]);
            Assert.InRange(shown, 1, onPath);
            await Expect(page.GetByTestId("transcript").Locator("article.message")).ToHaveCountAsync(shown);
        });
    }

    [Fact]
    public async Task Transcript_switches_branches_reports_tokens_and_makes_a_brief()
    {
        var id = await IdOfAsync("chatgpt", "Fix DNS");

        await web.OnPageAsync($"conversations/{Uri.EscapeDataString(id)}", async page =>
        {
            var transcript = page.GetByTestId("transcript");
            await Expect(page.Locator("h1")).ToHaveTextAsync("Fix DNS");
            // The export's current node is on the second answer's branch; the first answer is the other branch.
            var switcher = page.GetByTestId("branch").First;
            await Expect(switcher).ToBeVisibleAsync();
            await Expect(switcher).ToContainTextAsync("of 2");
            await Expect(transcript).Not.ToContainTextAsync("First answer.");
            var before = await transcript.InnerTextAsync();

            await switcher.GetByRole(AriaRole.Button, new() { Name = "1", Exact = true }).ClickAsync();

            await Expect(transcript).ToContainTextAsync("First answer.");
            Assert.NotEqual(before, await transcript.InnerTextAsync());
            await Expect(page.GetByTestId("branch").First.Locator("button.current")).ToHaveTextAsync("1");

            var report = page.GetByTestId("token-report");
            await Expect(report).ToBeVisibleAsync();
            await Expect(report.Locator("tbody tr")).Not.ToHaveCountAsync(0);

            await Expect(page.GetByTestId("brief")).ToHaveCountAsync(0);
            await page.GetByTestId("brief-make").ClickAsync();
            await Expect(page.GetByTestId("brief")).ToHaveTextAsync(new Regex(@"\S"));
        });
    }

    [Fact]
    public async Task An_unknown_conversation_shows_not_found()
    {
        await web.OnPageAsync($"conversations/{Uri.EscapeDataString("chatgpt:no-such-conversation")}", async page =>
        {
            await Expect(page.Locator("h1")).ToHaveTextAsync("Not found");
            await Expect(page.Locator("main")).ToContainTextAsync("chatgpt:no-such-conversation");
            await Expect(page.GetByTestId("transcript")).ToHaveCountAsync(0);
        });
    }

    private async Task<string> IdOfAsync(string source, string title)
    {
        var page = await web.Http.GetFromJsonAsync<JsonElement>($"api/conversations?source={source}&q={Uri.EscapeDataString(title)}");
        var match = page.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("title").GetString() == title);
        return match.GetProperty("id").GetString()!;
    }

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
