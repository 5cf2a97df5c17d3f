using ConvoCanvas.Ingest.Model;
using ConvoCanvas.Ingest.Tokens;

namespace ConvoCanvas.Ingest.Tests.Tokens;

public sealed class TokenContextWindowReportTests
{
    [Fact]
    public void Report_covers_the_five_standard_windows()
    {
        var report = ContextWindowReport.Create(TokenTestConversations.Long(5));
        Assert.Equal([4_096, 8_192, 32_768, 131_072, 200_000], report.Windows.Select(w => w.Window.Tokens));
        Assert.Equal(["4k", "8k", "32k", "128k", "200k"], report.Windows.Select(w => w.Window.Name));
    }

    [Fact]
    public void Overflow_is_located_at_the_first_message_whose_running_total_exceeds_the_window()
    {
        var conversation = TokenTestConversations.Long(200);
        var report = ContextWindowReport.Create(conversation);
        Assert.Equal(report.MessageTokens.Sum(), report.TotalTokens);
        Assert.InRange(report.TotalTokens, 32_769, 131_072); // 200 generated turn pairs come to ~45k tokens

        foreach (var fit in report.Windows.Where(w => w.Overflows))
        {
            var index = fit.OverflowIndex!.Value;
            Assert.True(report.MessageTokens.Take(index).Sum() <= fit.Window.Tokens);
            Assert.True(report.MessageTokens.Take(index + 1).Sum() > fit.Window.Tokens);
            Assert.Equal(conversation.ActivePath[index], fit.OverflowMessageId);
        }

        Assert.True(report.For("4k").Overflows);
        Assert.True(report.For("32k").Overflows);
        Assert.False(report.For("128k").Overflows);
        Assert.Null(report.For("200k").OverflowMessageId);
        Assert.True(report.For("4k").OverflowIndex < report.For("8k").OverflowIndex);
    }

    [Fact]
    public void Short_conversation_fits_every_window()
    {
        var conversation = new Conversation
        {
            Source = "test",
            ExternalId = "short",
            Messages = [TokenTestConversations.Msg("a", null, MessageRoles.User, "hi")],
            ActivePath = ["a"],
        };
        Assert.All(ContextWindowReport.Create(conversation).Windows, w => Assert.False(w.Overflows));
    }
}
