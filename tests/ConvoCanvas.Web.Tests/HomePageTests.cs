using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ConvoCanvas.Web.Tests;

[Collection(WebCollection.Name)]
public sealed class HomePageTests(WebFixture web)
{
    [Fact]
    public async Task Home_shows_the_counts_of_what_was_imported()
    {
        var created = web.SeedReport.GetProperty("conversations").GetProperty("new").GetInt32();
        Assert.True(created >= 4, $"the seed import should create the fixtures' conversations: {web.SeedReport}");
        var stats = await web.Http.GetFromJsonAsync<JsonElement>("api/stats");
        var conversations = stats.GetProperty("conversations").GetInt32();
        Assert.True(conversations >= created, stats.ToString());

        await web.OnPageAsync("", async page =>
        {
            var shown = page.GetByTestId("stats");
            await Expect(shown).ToContainTextAsync($"{N(conversations)} conversations");
            await Expect(shown).ToContainTextAsync($"{N(stats.GetProperty("messages").GetInt64())} messages");
            await Expect(shown).ToContainTextAsync($"{N(stats.GetProperty("tokens").GetInt64())} tokens");
            foreach (var source in stats.GetProperty("bySource").EnumerateObject())
            {
                await Expect(shown).ToContainTextAsync($"{N(source.Value.GetInt32())} from {source.Name}");
            }
            await Expect(shown).ToContainTextAsync("from chatgpt");
            // The search index, and which embedder answers.
            await Expect(page.GetByTestId("search-index")).ToContainTextAsync("notes and conversations");
            await Expect(page.GetByTestId("search-index")).ToContainTextAsync("(minilm-l6-v2)");
        });
    }

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
