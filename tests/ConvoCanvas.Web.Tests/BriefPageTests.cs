using System.Net.Http.Json;
using System.Text.Json;
using ConvoCanvas.Testing.Conversations;
using static Microsoft.Playwright.Assertions;

namespace ConvoCanvas.Web.Tests;

/// <summary>The conversation view's brief written by a model (the emulator), with its steps shown.</summary>
[Collection(WebCollection.Name)]
public sealed class BriefPageTests(WebFixture web)
{
    [Fact]
    public async Task The_brief_button_with_a_model_shows_the_steps_and_the_models_brief()
    {
        // A conversation that overflows the page's smallest window (the seed's all fit, and a brief of a
        // conversation that fits needs no model).
        var id = await ImportLongConversationAsync();
        web.Ollama.Reply = (_, prompt) => prompt.StartsWith("This is part", StringComparison.Ordinal) ? "## Goal\nA part." : "## Goal\nTHE MERGED GOAL";
        try
        {
            await web.OnPageAsync($"conversations/{Uri.EscapeDataString(id)}", async page =>
            {
                await page.GetByTestId("brief-window").SelectOptionAsync("4096");
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

    private async Task<string> ImportLongConversationAsync()
    {
        var export = LongConversation.ClaudeExport("long-brief");
        using var form = new MultipartFormDataContent { { new ByteArrayContent(export), "file", "claude-long.json" } };
        using var response = await web.Http.PostAsync("api/imports", form);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return "claude-ai:long-brief";
    }
}
