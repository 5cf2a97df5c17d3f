using ConvoCanvas.Ingest.Import;
using ConvoCanvas.Ingest.Model;

namespace ConvoCanvas.Ingest.Tests;

public sealed class ChatGptFormatTests
{
    private static List<ImportItem> Items() => new ExportReader().Read([TestData.Fixture("chatgpt-small.json")]).ToList();

    [Fact]
    public void Active_path_ends_at_current_node_and_other_branches_are_kept()
    {
        var conversation = TestData.Single("chatgpt-small.json", "conv-dns");

        Assert.Equal(["sys", "u1", "a2", "t1", "c1"], conversation.ActivePath);
        Assert.Equal(7, conversation.Messages.Count); // every node with a message, both branches
        Assert.Equal("u1", conversation.Msg("a1").ParentId);
        Assert.Null(conversation.Msg("sys").ParentId); // the null root is not a message
    }

    [Fact]
    public void Conversation_fields_come_from_the_export()
    {
        var conversation = TestData.Single("chatgpt-small.json", "conv-dns");

        Assert.Equal(ConversationSources.ChatGpt, conversation.Source);
        Assert.Equal("Fix DNS", conversation.Title);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1700000000500), conversation.CreatedAt);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1700000600250), conversation.UpdatedAt);
        Assert.Equal(["gpt-4o", "o3"], conversation.Models);
        Assert.Equal("o3", conversation.Msg("a2").Model);
    }

    [Fact]
    public void Content_types_become_typed_blocks()
    {
        var conversation = TestData.Single("chatgpt-small.json", "conv-dns");

        var user = conversation.Msg("u1");
        Assert.Equal(MessageRoles.User, user.Role);
        Assert.Equal("Why does DNS fail?", user.Text);
        Assert.Contains(user.Blocks, b => b.Kind == BlockKinds.Image && b.Reference == "file-service://file-abc");
        Assert.Contains(user.Blocks, b => b.Kind == BlockKinds.Attachment && b.Name == "resolv.conf" && b.Reference == "file-xyz");

        var thought = Assert.Single(conversation.Msg("a2").Blocks);
        Assert.Equal((BlockKinds.Thinking, "Look at resolv.conf."), (thought.Kind, thought.Text));

        var tool = conversation.Msg("t1");
        Assert.Equal((MessageRoles.Tool, "python"), (tool.Role, tool.Author));
        Assert.Equal(BlockKinds.ExecutionOutput, Assert.Single(tool.Blocks).Kind);

        var code = Assert.Single(conversation.Msg("c1").Blocks);
        Assert.Equal((BlockKinds.Code, "bash", "dig example.com"), (code.Kind, code.Language, code.Text));

        var raw = Assert.Single(conversation.Msg("x1").Blocks);
        Assert.Equal((BlockKinds.Raw, "sparkle_widget"), (raw.Kind, raw.Language));
        Assert.Contains("\"value\": 42", raw.Text);

        Assert.Equal(MessageRoles.System, conversation.Msg("sys").Role);
    }

    [Fact]
    public void Conversation_without_mapping_is_an_error_and_the_rest_still_imports()
    {
        var items = Items();

        var error = Assert.Single(items.Errors());
        Assert.Equal("chatgpt-small.json", error.File);
        Assert.Equal("conversation 1 ('No messages here')", error.Item);
        Assert.Contains("mapping", error.Reason);
        Assert.Equal(["conv-dns", "conv-leaf"], items.Conversations().Select(c => c.ExternalId));
    }

    [Fact]
    public void Without_current_node_the_newest_leaf_is_active()
    {
        var conversation = TestData.Single("chatgpt-small.json", "conv-leaf");

        Assert.Equal(["u", "new"], conversation.ActivePath);
        Assert.Equal(3, conversation.Messages.Count);
    }

    [Fact]
    public void Split_export_files_are_read_in_order_as_one_export()
    {
        string Part(string id) => "[{\"conversation_id\":\"" + id + "\",\"title\":\"" + id +
            "\",\"mapping\":{\"n\":{\"id\":\"n\",\"parent\":null,\"children\":[],\"message\":{\"author\":{\"role\":\"user\"},\"content\":{\"content_type\":\"text\",\"parts\":[\"x\"]}}}}}]";
        var files = new[]
        {
            TestData.InMemory("export/conversations-001.json", Part("second")),
            TestData.InMemory("export/user.json", """{"id":"user-1","email":"a@b.c"}"""),
            TestData.InMemory("export/conversations-000.json", Part("first")),
        };

        var run = new ExportReader().Read(files);
        var items = run.ToList();

        Assert.Empty(items.Errors());
        Assert.Equal(["first", "second"], items.Conversations().Select(c => c.ExternalId));
        Assert.Equal(1, run.FilesSkipped); // user.json rides along without an error
    }
}
