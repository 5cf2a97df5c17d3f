using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ConvoCanvas.Web.Tests;

[Collection(WebCollection.Name)]
public sealed class ImportPageTests(WebFixture web)
{
    [Fact]
    public async Task Uploading_an_export_shows_progress_and_the_summary_and_again_shows_it_unchanged()
    {
        // Not part of the seed import, so the first upload creates its conversations.
        var export = Path.Combine(WebFixture.Fixtures, "openwebui-small.json");
        Assert.DoesNotContain(Path.GetFileName(export), WebFixture.SeedFiles);

        await web.OnPageAsync("import", async page =>
        {
            var upload = page.GetByTestId("upload");
            var summary = page.GetByTestId("import-summary");
            await Expect(upload).ToBeEnabledAsync();
            await upload.SetInputFilesAsync(export);

            await Expect(page.GetByTestId("progress")).ToBeVisibleAsync();
            await Expect(page.GetByTestId("phase")).ToHaveTextAsync("Done.");
            await Expect(page.GetByTestId("progress").Locator(".bar")).ToHaveAttributeAsync("style", "width: 100%");
            await Expect(summary).ToBeVisibleAsync();
            await Expect(summary.GetByTestId("unchanged")).ToHaveTextAsync("0");
            await Expect(summary.GetByTestId("failed")).ToHaveTextAsync("0");
            var created = int.Parse(await summary.GetByTestId("new").InnerTextAsync());
            Assert.True(created > 0, "the first upload of an export creates its conversations");

            await Expect(upload).ToBeEnabledAsync();
            await upload.SetInputFilesAsync(export);

            await Expect(summary.GetByTestId("new")).ToHaveTextAsync("0");
            await Expect(summary.GetByTestId("unchanged")).ToHaveTextAsync(created.ToString());
            await Expect(summary.GetByTestId("updated")).ToHaveTextAsync("0");
            await Expect(page.GetByTestId("phase")).ToHaveTextAsync("Done.");
        });
    }

    [Fact]
    public async Task Uploading_a_bad_file_shows_an_error_row_with_its_file_name()
    {
        var folder = web.TemporaryFolder("cc-web-bad-");
        var bad = Path.Combine(folder, "not-an-export.json");
        await File.WriteAllTextAsync(bad, "{\"hello\": [1, 2, ");

        await web.OnPageAsync("import", async page =>
        {
            var upload = page.GetByTestId("upload");
            await Expect(upload).ToBeEnabledAsync();
            await upload.SetInputFilesAsync(bad);

            await Expect(page.GetByTestId("phase")).ToHaveTextAsync("Done.");
            var row = page.GetByTestId("import-errors").Locator("tbody tr");
            await Expect(row).ToHaveCountAsync(1);
            await Expect(row.Locator("td").First).ToHaveTextAsync("not-an-export.json");
            await Expect(row.Locator("td").Nth(2)).Not.ToBeEmptyAsync();
            await Expect(page.GetByTestId("new")).ToHaveTextAsync("0");
        });
    }
}
