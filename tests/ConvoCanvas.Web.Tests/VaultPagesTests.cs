using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ConvoCanvas.Web.Tests;

[Collection(WebCollection.Name)]
public sealed class VaultPagesTests(WebFixture web)
{
    [Fact]
    public async Task Adding_a_vault_lists_it_and_its_page_shows_coverage_with_skipped_and_failed_files()
    {
        var root = web.TemporaryFolder("cc-web-vault-");
        await File.WriteAllTextAsync(Path.Combine(root, "Welcome.md"), "---\ntags: [start]\n---\n# Welcome\n\nSee [[Ideas]].\n");
        Directory.CreateDirectory(Path.Combine(root, "Projects"));
        await File.WriteAllTextAsync(Path.Combine(root, "Projects", "Ideas.md"), "# Ideas\n\n- a canvas for conversations #idea\n");
        Directory.CreateDirectory(Path.Combine(root, ".obsidian"));
        await File.WriteAllTextAsync(Path.Combine(root, ".obsidian", "app.json"), "{}");
        await File.WriteAllBytesAsync(Path.Combine(root, "Scan.md"), [0x25, 0x50, 0x44, 0x46, 0x00, 0x01, 0x02, 0xFF]);

        await web.OnPageAsync("vaults", async page =>
        {
            await page.GetByTestId("vault-name").FillAsync("webnotes");
            await page.GetByTestId("vault-path").FillAsync(root);
            await page.GetByTestId("vault-add").ClickAsync();

            await Expect(page.GetByTestId("vault-message")).ToContainTextAsync("webnotes: 2 new");
            var listed = page.GetByTestId("vaults").Locator("tbody tr", new() { HasText = "webnotes" });
            await Expect(listed).ToHaveCountAsync(1);
            await Expect(listed).ToContainTextAsync(root);

            await listed.GetByRole(AriaRole.Link, new() { Name = "webnotes" }).ClickAsync();

            await Expect(page.Locator("h1")).ToHaveTextAsync("Vault webnotes");
            var coverage = page.GetByTestId("coverage");
            await Expect(coverage).ToContainTextAsync("2 documents");
            await Expect(coverage).ToContainTextAsync("1 failed");
            var files = page.GetByTestId("files");
            var failed = files.Locator("tr.failed", new() { HasText = "Scan.md" });
            await Expect(failed).ToHaveCountAsync(1);
            await Expect(failed).ToContainTextAsync(new Regex("binary file"));
            var skipped = files.Locator("tr.skipped", new() { HasText = ".obsidian" });
            await Expect(skipped).ToHaveCountAsync(1);
            await Expect(skipped).ToContainTextAsync("dot folder");
            await Expect(files.Locator("tr.stored", new() { HasText = "Projects/Ideas.md" })).ToHaveCountAsync(1);
        });
    }

    [Fact]
    public async Task Adding_a_vault_with_an_invalid_name_says_why_and_the_page_keeps_working()
    {
        var root = web.TemporaryFolder("cc-web-vault-name-");
        await File.WriteAllTextAsync(Path.Combine(root, "Only.md"), "# Only\n");

        await web.OnPageAsync("vaults", async page =>
        {
            await page.GetByTestId("vault-name").FillAsync("my notes");
            await page.GetByTestId("vault-path").FillAsync(root);
            await page.GetByTestId("vault-add").ClickAsync();

            await Expect(page.GetByTestId("vault-message")).ToContainTextAsync("'my notes'");
            await Expect(page.Locator("#blazor-error-ui")).ToBeHiddenAsync();
            await Expect(page.GetByTestId("vault-add")).ToBeEnabledAsync();

            await page.GetByTestId("vault-name").FillAsync("webnotes-valid");
            await page.GetByTestId("vault-add").ClickAsync();
            await Expect(page.GetByTestId("vault-message")).ToContainTextAsync("webnotes-valid: 1 new");
            await Expect(page.GetByTestId("vaults")).ToContainTextAsync("webnotes-valid");
        });

        // The REST API answers the same refusals as problems, not as 500s.
        using var badName = await web.Http.PostAsJsonAsync("api/vaults", new { name = "my notes", path = root });
        Assert.Equal(HttpStatusCode.BadRequest, badName.StatusCode);
        var other = web.TemporaryFolder("cc-web-vault-other-");
        using var taken = await web.Http.PostAsJsonAsync("api/vaults", new { name = "webnotes-valid", path = other });
        Assert.Equal(HttpStatusCode.Conflict, taken.StatusCode);
    }
}
