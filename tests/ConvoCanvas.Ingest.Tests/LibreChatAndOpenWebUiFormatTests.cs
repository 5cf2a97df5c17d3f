using ConvoCanvas.Ingest.Model;

namespace ConvoCanvas.Ingest.Tests;

public sealed class LibreChatFormatTests
{
    [Fact]
    public void Tree_export_keeps_every_branch_and_picks_the_newest_leaf()
    {
        var conversation = TestData.Single("librechat-tree-small.json");

        Assert.Equal((ConversationSources.LibreChat, "lc-tree", "Tree chat"), (conversation.Source, conversation.ExternalId, conversation.Title));
        Assert.Equal(3, conversation.Messages.Count);
        Assert.Equal(["q1", "r2"], conversation.ActivePath);
        Assert.Equal("q1", conversation.Msg("r1").ParentId);
        Assert.Equal(["gpt-4", "gpt-4o"], conversation.Models);
        Assert.Equal("openAI", conversation.Properties["endpoint"]);

        var answer = conversation.Msg("r2");
        Assert.Equal(("Answer two", "GPT-4"), (answer.Text, answer.Author));
        Assert.Equal([BlockKinds.Thinking, BlockKinds.Text], answer.Blocks.Select(b => b.Kind));
    }

    [Fact]
    public void Linear_export_links_messages_by_parent_id()
    {
        var conversation = TestData.Single("librechat-linear-small.json");

        Assert.Equal(["p1", "p2"], conversation.ActivePath);
        Assert.Equal([MessageRoles.User, MessageRoles.Assistant], conversation.Messages.Select(m => m.Role));
        Assert.Equal(new DateTimeOffset(2024, 5, 29, 0, 33, 3, 661, TimeSpan.Zero), conversation.CreatedAt);
    }
}

public sealed class OpenWebUiFormatTests
{
    [Fact]
    public void Current_id_sets_the_active_path_even_when_another_leaf_is_newer()
    {
        var conversation = TestData.Single("openwebui-small.json");

        Assert.Equal((ConversationSources.OpenWebUi, "owui-1"), (conversation.Source, conversation.ExternalId));
        Assert.Equal(["q", "b2"], conversation.ActivePath);
        Assert.Equal(3, conversation.Messages.Count);
        Assert.Equal(["deepseek-r1", "qwen3"], conversation.Models);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1700000000), conversation.CreatedAt);
    }

    [Fact]
    public void Reasoning_details_become_a_thinking_block()
    {
        var answer = TestData.Single("openwebui-small.json").Msg("b2");

        Assert.Equal([BlockKinds.Thinking, BlockKinds.Text], answer.Blocks.Select(b => b.Kind));
        Assert.Equal("15 * 17 = 255\ncheck", answer.Blocks[0].Text);
        Assert.Equal("255", answer.Text);
    }

    [Fact]
    public void A_bare_chat_object_with_millisecond_timestamp_is_accepted()
    {
        var items = TestData.ReadJson("chat.json", """
            {"id":"","title":"Bare","models":["m"],"timestamp":1744577557127,
             "history":{"currentId":"2","messages":{
               "1":{"id":"1","parentId":null,"role":"user","content":"a","timestamp":1744577557},
               "2":{"id":"2","parentId":"1","role":"assistant","content":"b","model":"m","timestamp":1744577558}}}}
            """);

        var conversation = Assert.Single(items.Conversations());
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1744577557127), conversation.CreatedAt);
        Assert.StartsWith("cc-", conversation.ExternalId); // the export's id is empty
        Assert.Equal(["1", "2"], conversation.ActivePath);
    }
}
