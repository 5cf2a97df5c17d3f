using ConvoCanvas.Ingest.Model;
using ConvoCanvas.Ingest.Tokens;

namespace ConvoCanvas.Ingest.Tests.Tokens;

public sealed class TokenCounterTests
{
    private readonly TokenCounter _counter = TokenCounter.Default;

    [Fact]
    public void Counts_cl100k_tokens_offline()
    {
        Assert.Equal(2, _counter.Count("hello world"));
        Assert.Equal(0, _counter.Count(""));
    }

    [Fact]
    public void Message_count_adds_the_overhead_and_tool_traffic_but_not_thinking()
    {
        var plain = TokenTestConversations.Msg("m", null, MessageRoles.User, "hello world");
        Assert.Equal(2 + TokenCounter.PerMessageOverhead, _counter.CountMessage(plain));

        var withTools = plain with
        {
            Blocks =
            [
                new ContentBlock { Kind = BlockKinds.Text, Text = "hello world" },
                new ContentBlock { Kind = BlockKinds.Thinking, Text = "a very long private chain of thought that is not resent" },
                new ContentBlock { Kind = BlockKinds.ToolUse, Name = "Bash", Text = """{"command":"ls"}""" },
            ],
        };
        var expected = _counter.Count("hello world\nBash {\"command\":\"ls\"}") + TokenCounter.PerMessageOverhead;
        Assert.Equal(expected, _counter.CountMessage(withTools));
    }

    [Fact]
    public void Conversation_count_follows_the_active_path_only()
    {
        var root = TokenTestConversations.Msg("r", null, MessageRoles.User, "one two three");
        var kept = TokenTestConversations.Msg("k", "r", MessageRoles.Assistant, "kept branch");
        var dropped = TokenTestConversations.Msg("d", "r", MessageRoles.Assistant, string.Join(' ', Enumerable.Repeat("abandoned", 500)));
        var conversation = new Conversation { Source = "test", ExternalId = "c", Messages = [root, dropped, kept], ActivePath = ["r", "k"] };
        Assert.Equal(_counter.CountMessage(root) + _counter.CountMessage(kept), _counter.CountConversation(conversation));
    }

    [Fact]
    public void Counting_from_many_threads_gives_the_same_answers()
    {
        var texts = Enumerable.Range(0, 200).Select(i => $"message {i} about namespace {i * 7} and pods").ToArray();
        var sequential = texts.Select(_counter.Count).ToArray();
        var parallel = new int[texts.Length];
        Parallel.For(0, texts.Length, i => parallel[i] = _counter.Count(texts[i]));
        Assert.Equal(sequential, parallel);
    }

    [Fact]
    public void Truncate_keeps_a_prefix_within_the_budget()
    {
        var text = string.Join(' ', Enumerable.Repeat("kubernetes resolver timeout", 50));
        var cut = _counter.Truncate(text, 20);
        Assert.True(_counter.Count(cut) <= 20);
        Assert.StartsWith(cut, text);
        Assert.True(cut.Length > 0);
    }
}
