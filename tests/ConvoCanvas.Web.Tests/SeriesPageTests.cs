using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ConvoCanvas.Web.Tests;

/// <summary>The Series page: plan from a vault, draft with progress, read a draft with clickable citations, posts with live counters, export.</summary>
[Collection(WebCollection.Name)]
public sealed class SeriesPageTests(WebFixture web)
{
    [Fact]
    public async Task A_series_is_planned_drafted_read_with_its_citations_and_posted_from_the_page()
    {
        var root = web.TemporaryFolder("cc-web-series-");
        string[] parts =
        [
            "planted tomato seedlings in the greenhouse and watered them every morning",
            "harvested the apples from the old orchard trees and pressed them into cider",
        ];
        for (var part = 0; part < parts.Length; part++)
        {
            for (var i = 0; i < 3; i++)
            {
                var date = new DateTime(2025, 4, 1).AddDays(part * 120 + i * 3).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                await File.WriteAllTextAsync(Path.Combine(root, $"garden-{part}-{i}.md"),
                    $"---\ndate: {date}\ntags: [garden]\n---\n# Garden journal {part}.{i}\n\n## Today\n\nIn the garden journal: I {parts[part]}, day {i}.\n");
            }
        }
        await web.AddVaultAsync("seriesweb", root, 6);

        await web.OnPageAsync("", async page =>
        {
            await page.GetByRole(AriaRole.Link, new() { Name = "Series", Exact = true }).ClickAsync();
            await page.GetByTestId("series-topic").FillAsync("garden journal");
            await page.GetByTestId("series-episodes").FillAsync("2");
            await page.GetByTestId("series-vault").FillAsync("seriesweb");
            await page.GetByTestId("series-plan").ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex("/series/garden-journal$"));
            var episodes = page.GetByTestId("series-episode");
            await Expect(episodes).ToHaveCountAsync(2);
            await Expect(episodes.Nth(0)).ToContainTextAsync("3 sources");
            await Expect(episodes.Nth(0).GetByTestId("series-episode-status")).ToHaveTextAsync("not drafted");

            // Extractive drafts, with the job's progress shown until it is done.
            await page.GetByTestId("series-use-model").UncheckAsync();
            await page.GetByTestId("series-draft-all").ClickAsync();
            await Expect(page.GetByTestId("series-job")).ToHaveAttributeAsync("data-running", "no");
            await Expect(page.GetByTestId("series-job-text")).ToContainTextAsync("draft: 2 of 2, done");
            await Expect(episodes.Nth(0).GetByTestId("series-episode-status")).ToHaveTextAsync("v1 extractive");
            await Expect(episodes.Nth(1).GetByTestId("series-episode-status")).ToHaveTextAsync("v1 extractive");

            // Posts without a model: each within its limit, the counter following an edit.
            await page.GetByTestId("series-write-posts").ClickAsync();
            await Expect(page.GetByTestId("series-posts")).ToHaveAttributeAsync("data-kind", "extractive");
            var shortPost = page.Locator("[data-testid=series-post][data-post='season:short']");
            var counter = shortPost.GetByTestId("series-post-count");
            var shown = int.Parse((await counter.InnerTextAsync()).Split(" / ")[0], CultureInfo.InvariantCulture);
            Assert.InRange(shown, 1, 300);
            await shortPost.GetByTestId("series-post-text").FillAsync("Short and sweet 🌱");
            await Expect(counter).ToHaveTextAsync("17 / 300");
            await Expect(page.Locator("[data-testid=series-export][data-format=hugo]")).ToHaveAttributeAsync("href", "api/series/garden-journal/export.zip?format=hugo");

            // The draft, its citations links to the notes.
            await episodes.Nth(0).GetByTestId("series-open").ClickAsync();
            var draft = page.GetByTestId("series-draft");
            await Expect(draft).ToHaveAttributeAsync("data-kind", "extractive");
            await Expect(draft).ToContainTextAsync("Extractive draft");
            await Expect(draft.GetByTestId("series-citation")).ToHaveCountAsync(3);
            await draft.GetByTestId("series-citation").First.ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex(@"vaults/seriesweb/notes/garden-0-\d\.md#today$"));
            await Expect(page.GetByTestId("note-title")).ToContainTextAsync("Garden journal 0.");
        });

        using var zip = await web.Http.GetAsync("api/series/garden-journal/export.zip?format=obsidian");
        Assert.Equal("application/zip", zip.Content.Headers.ContentType?.MediaType);
        using var archive = new System.IO.Compression.ZipArchive(await zip.Content.ReadAsStreamAsync());
        Assert.Contains(archive.Entries, e => e.FullName == "garden-journal/garden-journal.md");
        Assert.Equal(4, archive.Entries.Count);
    }
}
