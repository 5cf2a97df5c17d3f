using ConvoCanvas.Ingest.Model;

namespace ConvoCanvas.Ingest.Tests;

public sealed class ClaudeAiFormatTests
{
    [Fact]
    public void Parent_links_and_current_leaf_give_branches_and_active_path()
    {
        var conversation = TestData.Single("claude-small.json", "claude-1");

        Assert.Equal(["m1", "m2", "m3b"], conversation.ActivePath);
        Assert.Equal(4, conversation.Messages.Count);
        Assert.Null(conversation.Msg("m1").ParentId); // the all-zero parent is no message
        Assert.Equal("m2", conversation.Msg("m3a").ParentId);
    }

    [Fact]
    public void Fields_and_blocks_come_from_the_export()
    {
        var conversation = TestData.Single("claude-small.json", "claude-1");

        Assert.Equal((ConversationSources.ClaudeAi, "Branchy"), (conversation.Source, conversation.Title));
        Assert.Equal(new DateTimeOffset(2024, 3, 1, 10, 0, 0, TimeSpan.Zero), conversation.CreatedAt);
        Assert.Equal(["claude-3-5-sonnet"], conversation.Models);

        var answer = conversation.Msg("m2");
        Assert.Equal(MessageRoles.Assistant, answer.Role);
        Assert.Equal([BlockKinds.Thinking, BlockKinds.ToolUse, BlockKinds.ToolResult, BlockKinds.Text], answer.Blocks.Select(b => b.Kind));
        Assert.Equal(("web_search", "tu1"), (answer.Blocks[1].Name, answer.Blocks[1].Reference));
        Assert.Contains("Lisbon May weather", answer.Blocks[1].Text);
        Assert.Equal(("tu1", "22C sunny"), (answer.Blocks[2].Reference, answer.Blocks[2].Text));
        Assert.Equal("22C sunny\n\nLisbon is warm in May.", answer.Text);

        var question = conversation.Msg("m1");
        Assert.Contains(question.Blocks, b => b.Kind == BlockKinds.Attachment && b.Name == "notes.txt" && b.Text == "Lisbon in May");
        Assert.Contains(question.Blocks, b => b.Kind == BlockKinds.Image && b.Reference == "img-1");

        var unknown = conversation.Msg("m3b").Blocks.Single(b => b.Kind == BlockKinds.Raw);
        Assert.Equal("voice_note", unknown.Language);
    }

    [Fact]
    public void Messages_without_parent_links_are_linear_and_fall_back_to_text()
    {
        var conversation = TestData.Single("claude-small.json", "claude-2");

        Assert.Equal(3, conversation.ActivePath.Count);
        Assert.Equal(["One", "Two", "Three"], conversation.Messages.Select(m => m.Text));
        Assert.Equal(conversation.Messages[0].Id, conversation.Messages[1].ParentId);
        Assert.StartsWith("cc-", conversation.Messages[2].Id); // no uuid: a derived one
    }

    [Fact]
    public void Derived_message_ids_are_the_same_on_reimport()
    {
        var first = TestData.Single("claude-small.json", "claude-2");
        var second = TestData.Single("claude-small.json", "claude-2");

        Assert.Equal(first.Messages[2].Id, second.Messages[2].Id);
    }

    [Fact]
    public void A_single_conversation_object_is_accepted()
    {
        var items = TestData.ReadJson("chat.json", """{"uuid":"solo","name":"Solo","chat_messages":[{"uuid":"a","sender":"human","text":"hi"}]}""");

        var conversation = Assert.Single(items.Conversations());
        Assert.Equal("solo", conversation.ExternalId);
        Assert.Equal("hi", Assert.Single(conversation.Messages).Text);
    }
}
