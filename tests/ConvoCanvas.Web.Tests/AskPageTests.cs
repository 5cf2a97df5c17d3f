using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ConvoCanvas.Web.Tests;

/// <summary>The Ask page: an answer from a vault streamed with clickable citations, the model played by the emulator.</summary>
[Collection(WebCollection.Name)]
public sealed partial class AskPageTests(WebFixture web)
{
    [Fact]
    public async Task An_answer_shows_its_citations_as_links_to_the_sources_and_says_how_many_were_removed()
    {
        var root = web.TemporaryFolder("cc-web-ask-");
        await File.WriteAllTextAsync(Path.Combine(root, "Beekeeping.md"), "# Beekeeping\n\n## Inspections\n\nOpen the hive every nine days in spring to look for queen cells; smoke the entrance first.\n");
        await File.WriteAllTextAsync(Path.Combine(root, "Chess.md"), "# Chess\n\nThe Sicilian defence answers 1.e4 with c5.\n");
        await web.AddVaultAsync("askweb", root, 2);

        // The model cites the beekeeping note by its number, and a number that points nowhere.
        web.Ollama.Reply = (_, prompt) => $"Inspect the hive every nine days in spring [{Beekeeping().Match(prompt).Groups[1].Value}], and never in rain [8].";
        try
        {
            await web.OnPageAsync("", async page =>
            {
                await page.GetByRole(AriaRole.Link, new() { Name = "Ask", Exact = true }).ClickAsync();
                await Expect(page).ToHaveURLAsync(new Regex("/ask$"));
                await page.GetByTestId("ask-question").FillAsync("How often should I open the hive?");
                await page.GetByTestId("ask-only").SelectOptionAsync("note");
                await page.GetByTestId("ask-go").ClickAsync();

                var answer = page.GetByTestId("ask-answer");
                await Expect(answer).ToHaveAttributeAsync("data-kind", "model");
                await Expect(answer).ToContainTextAsync("Inspect the hive every nine days in spring");
                await Expect(answer).ToContainTextAsync("and never in rain.");
                await Expect(answer).Not.ToContainTextAsync("[8]");
                await Expect(page.GetByTestId("ask-removed")).ToHaveTextAsync("1 citation(s) pointed at no evidence and were removed.");
                await Expect(page.GetByTestId("ask-done")).ToContainTextAsync("answered by");

                var citation = page.GetByTestId("ask-citation");
                await Expect(citation).ToHaveCountAsync(1);
                var n = await citation.GetAttributeAsync("data-n");
                var source = page.Locator($"[data-testid=ask-source][data-n='{n}']");
                await Expect(source).ToContainTextAsync("Beekeeping");
                await Expect(source).ToHaveAttributeAsync("data-cited", "yes");
                await Expect(page.Locator("[data-testid=ask-source][data-cited=yes]")).ToHaveCountAsync(1);
                // The chess note is not near enough in meaning to count as evidence.
                await Expect(page.GetByTestId("ask-source").Filter(new() { HasText = "Chess" })).ToHaveCountAsync(0);

                await citation.ClickAsync();
                await Expect(page).ToHaveURLAsync(new Regex(@"vaults/askweb/notes/Beekeeping\.md#inspections$"));
                await Expect(page.GetByTestId("note-title")).ToHaveTextAsync("Beekeeping");
            });
        }
        finally
        {
            web.Ollama.Reply = null;
        }
    }

    [Fact]
    public async Task An_empty_question_says_what_is_wrong()
    {
        await web.OnPageAsync("ask", async page =>
        {
            await page.GetByTestId("ask-question").FillAsync("   ");
            await page.GetByTestId("ask-go").ClickAsync();
            await Expect(page.GetByTestId("ask-error")).ToHaveTextAsync("the question is empty");
        });
    }

    [GeneratedRegex(@"\[(\d+)\] Beekeeping")]
    private static partial Regex Beekeeping();
}
