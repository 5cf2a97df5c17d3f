using ConvoCanvas.Content.Brief;
using ConvoCanvas.Ingest.Model;
using ConvoCanvas.Ingest.Tokens;

namespace ConvoCanvas.Content.Tests;

public sealed class ModelBriefTests
{
    private static Message Msg(string id, string? parent, string role, string text) =>
        new() { Id = id, ParentId = parent, Role = role, Text = text, Blocks = [new ContentBlock { Kind = BlockKinds.Text, Text = text }] };

    /// <summary>A long conversation: <paramref name="turns"/> turns of about <paramref name="words"/> words, the last saying THE END.</summary>
    private static Conversation Long(int turns, int words)
    {
        var messages = new List<Message>();
        string? parent = null;
        for (var i = 0; i < turns; i++)
        {
            var id = $"m{i}";
            var text = string.Join(' ', Enumerable.Range(0, words).Select(w => $"word{(i * 31 + w) % 997}")) + (i == turns - 1 ? " THE END" : "");
            messages.Add(Msg(id, parent, i % 2 == 0 ? MessageRoles.User : MessageRoles.Assistant, text));
            parent = id;
        }
        return new Conversation { Source = "chatgpt", ExternalId = "long", Title = "Fixing DNS", Messages = messages, ActivePath = [.. messages.Select(m => m.Id)] };
    }

    [Fact]
    public async Task A_conversation_larger_than_the_models_window_is_read_in_parts_merged_and_fits_the_target()
    {
        var conversation = Long(60, 400);
        var prompts = new List<string>();
        var steps = new List<string>();
        var result = await new ModelBrief().BuildAsync(conversation, 8_192, 8_192, (prompt, max, _) =>
        {
            prompts.Add(prompt);
            return Task.FromResult(prompt.StartsWith("This is part", StringComparison.Ordinal)
                ? "## Goal\nFix DNS.\n## Decisions made\nUse a static IP."
                : "## Goal\nFix DNS on the home cluster.\n## Decisions made\nA static IP for the router.\n## State of the code\nNone.\n## Open questions\nWhy did DHCP change?");
        }, new Progress<string>(steps.Add));
        var counter = TokenCounter.Default;
        var total = counter.CountConversation(conversation);
        Assert.True(total > 3 * 8_192, $"the test conversation should overflow the window several times ({total} tokens)");
        Assert.True(result.Pieces >= 3, $"{result.Pieces} pieces");
        Assert.Equal(result.Pieces + 1, result.ModelCalls);
        Assert.Equal(result.Pieces, prompts.Count(p => p.StartsWith("This is part", StringComparison.Ordinal)));
        // Every prompt fits the model's window.
        Assert.All(prompts, p => Assert.True(counter.Count(p) + ModelBrief.AnswerTokens <= 8_192, $"{counter.Count(p)} prompt tokens"));
        Assert.True(result.Tokens <= 8_192);
        Assert.Equal(counter.Count(result.Markdown), result.Tokens);
        Assert.StartsWith("# Continuation brief: Fixing DNS", result.Markdown);
        Assert.Contains("A static IP for the router.", result.Markdown);
        Assert.Contains("## Last turns", result.Markdown);
        Assert.EndsWith("THE END\n\n", result.Markdown);
    }

    [Theory]
    [InlineData(256)]
    [InlineData(1_000)]
    [InlineData(4_096)]
    public async Task Whatever_the_model_writes_the_brief_fits_the_target(int target)
    {
        var conversation = Long(12, 300);
        var endless = string.Join(' ', Enumerable.Repeat("The model goes on and on about resolvers.", 2_000));
        var result = await new ModelBrief().BuildAsync(conversation, target, 4_096, (_, _, _) => Task.FromResult(endless));
        Assert.True(result.Tokens <= target, $"{result.Tokens} > {target}");
        Assert.True(TokenCounter.Default.Count(result.Markdown) <= target);
    }

    [Fact]
    public async Task With_a_small_window_and_a_wordy_model_every_part_still_reaches_the_brief()
    {
        // Each answer as long as the model is allowed; each part's notes name the part, so a dropped one shows.
        var conversation = Long(40, 300);
        var prompts = new List<string>();
        var result = await new ModelBrief().BuildAsync(conversation, 1_000, 2_048, (prompt, max, _) =>
        {
            prompts.Add(prompt);
            var parts = System.Text.RegularExpressions.Regex.Matches(prompt, @"PART-\d+").Select(m => m.Value).Distinct();
            var mine = prompt.StartsWith("This is part", StringComparison.Ordinal)
                ? $"PART-{prompt.Split(' ')[3]}"
                : string.Join(' ', parts);
            // Padding to the limit comes after the names, so cutting to max keeps them.
            return Task.FromResult(mine + " " + string.Join(' ', Enumerable.Repeat("filler", max * 2)));
        });
        var pieces = prompts.Count(p => p.StartsWith("This is part", StringComparison.Ordinal));
        Assert.True(pieces >= 8, $"{pieces} pieces");
        var last = prompts[^1];
        Assert.All(Enumerable.Range(1, pieces), n => Assert.Contains($"PART-{n} ", last + " "));
        Assert.All(prompts, p => Assert.True(TokenCounter.Default.Count(p) + ModelBrief.AnswerTokens <= 2_048 + 64, $"{TokenCounter.Default.Count(p)} prompt tokens"));
        Assert.True(result.Tokens <= 1_000);
    }

    [Fact]
    public void Pieces_keep_messages_whole_and_cut_only_a_message_longer_than_a_piece()
    {
        var brief = new ModelBrief();
        var conversation = Long(10, 200);
        var messages = TokenCounter.ActiveMessages(conversation);
        var pieces = brief.Pieces(messages, 700);
        Assert.All(pieces, p => Assert.True(TokenCounter.Default.Count(p) <= 700));
        Assert.Equal(string.Concat(messages.Select(m => $"{m.Role}: {m.Text}\n\n")), string.Concat(pieces));
        var huge = brief.Pieces([Msg("h", null, MessageRoles.User, string.Join(' ', Enumerable.Range(0, 3_000).Select(i => $"w{i}")))], 500);
        Assert.True(huge.Count > 3);
        Assert.All(huge, p => Assert.True(TokenCounter.Default.Count(p) <= 500));
    }
}
