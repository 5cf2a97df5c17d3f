using System.Net.Http.Json;
using System.Text.Json;
using static Microsoft.Playwright.Assertions;

namespace ConvoCanvas.Web.Tests;

/// <summary>The conversation view's brief written by a model (the emulator), with its steps shown.</summary>
[Collection(WebCollection.Name)]
public sealed class BriefPageTests(WebFixture web)
{
    [Fact]
    public async Task The_brief_button_with_a_model_shows_the_steps_and_the_models_brief()
    {
        var list = await web.Http.GetFromJsonAsync<JsonElement>("api/conversations?limit=1");
        var id = list.GetProperty("items")[0].GetProperty("id").GetString()!;
        web.Ollama.Reply = (_, prompt) => prompt.StartsWith("This is part", StringComparison.Ordinal) ? "## Goal\nA part." : "## Goal\nTHE MERGED GOAL";
        try
        {
            await web.OnPageAsync($"conversations/{Uri.EscapeDataString(id)}", async page =>
            {
                await page.GetByTestId("brief-model").CheckAsync();
                await page.GetByTestId("brief-make").ClickAsync();
                var brief = page.GetByTestId("brief");
                await Expect(brief).ToHaveAttributeAsync("data-kind", "model");
                await Expect(brief).ToContainTextAsync("THE MERGED GOAL");
                await Expect(brief).ToContainTextAsync("# Continuation brief: ");
                await Expect(page.GetByTestId("brief-status")).ToContainTextAsync("model brief,");
            });
        }
        finally
        {
            web.Ollama.Reply = null;
        }
    }
}
