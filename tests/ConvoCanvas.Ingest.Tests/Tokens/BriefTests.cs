using ConvoCanvas.Ingest.Model;
using ConvoCanvas.Ingest.Tokens;
using Xunit.Abstractions;

namespace ConvoCanvas.Ingest.Tests.Tokens;

public sealed class BriefTests(ITestOutputHelper output)
{
    private readonly ContinuationBrief _brief = new();
    private readonly Conversation _long = TokenTestConversations.Long();

    [Theory]
    [InlineData(4_096)]
    [InlineData(8_192)]
    public void Brief_fits_the_window(int window)
    {
        Assert.True(TokenCounter.Default.CountConversation(_long) > window); // it really overflowed
        var brief = _brief.Build(_long, window);
        output.WriteLine($"{brief.Tokens} tokens, {brief.TurnIds.Count} turns");
        Assert.True(brief.Tokens <= window);
        Assert.Equal(TokenCounter.Default.Count(brief.Markdown), brief.Tokens);
        Assert.True(brief.Tokens > window * 0.8, "the brief should use most of the window for recent turns");
    }

    [Fact]
    public void Brief_states_the_goal_and_keeps_the_last_turn()
    {
        var brief = _brief.Build(_long, 4_096);
        Assert.Contains("## Goal\n" + TokenTestConversations.Goal, brief.Markdown);
        Assert.Equal("a119", brief.TurnIds[^1]);
        Assert.Contains(_long.Messages[^1].Text, brief.Markdown);
        Assert.True(brief.TurnIds.Count < _long.Messages.Count);
        // Turns kept are the newest, contiguous up to the end.
        var expected = _long.ActivePath.TakeLast(brief.TurnIds.Count);
        Assert.Equal(expected, brief.TurnIds);
    }

    [Fact]
    public void Brief_lists_decisions_and_late_open_questions()
    {
        var brief = _brief.Build(_long, 8_192);
        Assert.Equal(
            [
                "We decided to give the node a static IP outside the DHCP pool.",
                "Let's go with CoreDNS forwarding to the router and a fallback to 1.1.1.1.",
                "The fix is to restart k3s after updating the node-ip flag.",
            ],
            brief.Decisions);
        Assert.Contains("Should we pin CoreDNS to the node's static address?", brief.OpenQuestions);
        Assert.Contains("- The fix is to restart k3s after updating the node-ip flag.", brief.Markdown);
    }

    [Fact]
    public void Brief_is_deterministic()
    {
        Assert.Equal(_brief.Build(_long, 4_096).Markdown, _brief.Build(TokenTestConversations.Long(), 4_096).Markdown);
    }

    [Fact]
    public void Huge_last_turn_is_cut_from_the_front_so_its_end_survives()
    {
        var huge = string.Join(' ', Enumerable.Range(0, 3000).Select(i => $"word{i}")) + " THE END";
        var conversation = new Conversation
        {
            Source = "test",
            ExternalId = "huge",
            Messages =
            [
                TokenTestConversations.Msg("u", null, MessageRoles.User, "Summarise the log."),
                TokenTestConversations.Msg("a", "u", MessageRoles.Assistant, huge),
            ],
            ActivePath = ["u", "a"],
        };
        var brief = _brief.Build(conversation, 1_000);
        Assert.True(brief.Tokens <= 1_000);
        Assert.EndsWith("THE END\n", brief.Markdown);
        Assert.Equal(["u", "a"], brief.TurnIds); // the huge turn is capped, so the prompt before it fits too
    }

    [Fact]
    public void Tiny_window_still_yields_a_brief_within_it()
    {
        var brief = _brief.Build(_long, 64);
        Assert.True(brief.Tokens <= 64);
        Assert.NotEmpty(brief.Markdown);
    }
}

public sealed class BriefOnRealSessionTests(ITestOutputHelper output)
{
    [Fact]
    public void Brief_of_a_real_Claude_Code_session_fits_8k_and_keeps_its_last_main_message()
    {
        var root = SharedDataFolder.Find(output, "conversations", "claude-code-jsonl", "moredip-session-share", "session-viewer",
            "test", "INTEGRATION", "fixtures", "general-tool-calls.jsonl");
        if (root is null) return;
        var file = SharedDataFolder.ExportFileFor(root, Path.GetDirectoryName(root)!);
        var conversation = new ConvoCanvas.Ingest.Formats.ClaudeCode.ClaudeCodeFormat()
            .Read([file], ImportOptions.Default, default).Single(i => i.Conversation is not null).Conversation!;

        var report = ContextWindowReport.Create(conversation);
        output.WriteLine($"session: {report.TotalTokens} tokens; 8k overflows at {report.For("8k").OverflowIndex}");
        Assert.True(report.For("8k").Overflows);

        var brief = new ContinuationBrief().Build(conversation, 8_192);
        output.WriteLine(brief.Markdown);
        Assert.True(brief.Tokens <= 8_192);
        var lastWithText = conversation.ActivePath.Last(id => TokenCounter.ContextText(conversation.Messages.Single(m => m.Id == id)).Trim().Length > 0);
        Assert.Equal(lastWithText, brief.TurnIds[^1]);
        Assert.DoesNotContain("<ide_opened_file>", brief.Goal);
        Assert.StartsWith("# Continuing: Claude Code Session Share Plugin Development", brief.Markdown);
    }
}
