using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ConvoCanvas.Web.Tests;

[Collection(WebCollection.Name)]
public sealed class SearchPageTests(WebFixture web)
{
    [Fact]
    public async Task Search_finds_a_note_by_meaning_highlights_terms_and_opens_the_note_at_its_heading_with_related_items()
    {
        var root = web.TemporaryFolder("cc-web-search-");
        await File.WriteAllTextAsync(Path.Combine(root, "Lighthouses.md"), "---\ntags: [sea]\n---\n# Lighthouses\n\n## The keeper\n\nThe keeper trimmed the lamp wick every evening at dusk and logged passing ships.\n");
        await File.WriteAllTextAsync(Path.Combine(root, "Harbours.md"), "# Harbours\n\nShips shelter in the harbour when storms come; the harbour master assigns berths.\n");
        await File.WriteAllTextAsync(Path.Combine(root, "Bread.md"), "# Bread\n\nKnead the dough, let it rise twice, bake it hot.\n");
        using (var add = await web.Http.PostAsJsonAsync("api/vaults", new { name = "searchweb", path = root }))
        {
            Assert.True(add.IsSuccessStatusCode, await add.Content.ReadAsStringAsync());
        }
        await WaitIndexedAsync("searchweb");

        await web.OnPageAsync("search", async page =>
        {
            await page.GetByTestId("search-query").FillAsync("who looks after the light when the sun goes down");
            await page.GetByTestId("search-go").ClickAsync();
            var first = page.GetByTestId("search-hit").First;
            await Expect(first).ToContainTextAsync("Lighthouses");
            await Expect(page).ToHaveURLAsync(new Regex(@"search\?q=who"));

            await page.GetByTestId("search-query").FillAsync("keeper lamp");
            await page.GetByTestId("search-kind").SelectOptionAsync("note");
            await page.GetByTestId("search-go").ClickAsync();
            await Expect(page.GetByTestId("search-hit").First.Locator("mark").First).ToHaveTextAsync(new Regex("^(keeper|lamp)$", RegexOptions.IgnoreCase));

            await page.GetByTestId("search-hit-link").First.ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex(@"vaults/searchweb/notes/Lighthouses\.md#the-keeper$"));
            await Expect(page.GetByTestId("note-title")).ToHaveTextAsync("Lighthouses");
            await Expect(page.Locator("#the-keeper")).ToHaveTextAsync("The keeper");
            await Expect(page.GetByTestId("related").GetByTestId("related-item").First).ToBeVisibleAsync();
            await Expect(page.GetByTestId("related")).Not.ToContainTextAsync("Lighthouses");
        });
    }

    [Fact]
    public async Task Search_finds_an_imported_conversation_and_opens_it_at_the_message()
    {
        await WaitUntilAsync(async () => (await web.Http.GetFromJsonAsync<JsonElement>("api/search/stats")).GetProperty("pending").GetInt32() == 0
            && (await web.Http.GetFromJsonAsync<JsonElement>("api/search?q=DNS&kind=conversation")).GetProperty("hits").GetArrayLength() > 0);

        await web.OnPageAsync("search?q=why%20does%20DNS%20fail", async page =>
        {
            var hit = page.GetByTestId("search-hit").Filter(new() { HasText = "Fix DNS" });
            await Expect(hit).ToHaveCountAsync(1);
            await hit.GetByTestId("search-hit-link").ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex(@"conversations/chatgpt%3A.+#m-"));
            await Expect(page.GetByTestId("transcript")).ToContainTextAsync("Why does DNS fail?");
            await Expect(page.GetByTestId("related")).ToBeVisibleAsync();
        });
    }

    [Fact]
    public async Task An_empty_query_says_what_is_wrong()
    {
        await web.OnPageAsync("search", async page =>
        {
            await page.GetByTestId("search-query").FillAsync("   ");
            await page.GetByTestId("search-go").ClickAsync();
            await Expect(page.GetByTestId("search-error")).ToContainTextAsync("empty");
        });
    }

    private async Task WaitIndexedAsync(string vault) =>
        await WaitUntilAsync(async () => (await web.Http.GetFromJsonAsync<JsonElement>($"api/vaults/{vault}")).GetProperty("indexPending").GetInt32() == 0);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("the search index did not catch up within 90 s");
            }
            await Task.Delay(250);
        }
    }
}
