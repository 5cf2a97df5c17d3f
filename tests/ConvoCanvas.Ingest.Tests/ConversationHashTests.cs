using ConvoCanvas.Ingest.Model;

namespace ConvoCanvas.Ingest.Tests;

public sealed class ConversationHashTests
{
    private const string Export = """
        [{"conversation_id":"h","title":"T","create_time":1700000000,"current_node":"b",
          "mapping":{"a":{"id":"a","parent":null,"children":["b"],"message":{"author":{"role":"user"},"content":{"content_type":"text","parts":["hi"]}}},
                     "b":{"id":"b","parent":"a","children":[],"message":{"author":{"role":"assistant"},"content":{"content_type":"text","parts":["yo"]},"metadata":{"model_slug":"m"}}}}}]
        """;

    // The same conversation with every object's keys in another order.
    private const string Reordered = """
        [{"mapping":{"b":{"message":{"metadata":{"model_slug":"m"},"content":{"parts":["yo"],"content_type":"text"},"author":{"role":"assistant"}},"children":[],"parent":"a","id":"b"},
                     "a":{"message":{"content":{"parts":["hi"],"content_type":"text"},"author":{"role":"user"}},"children":["b"],"parent":null,"id":"a"}},
          "current_node":"b","create_time":1700000000,"title":"T","conversation_id":"h"}]
        """;

    private static string HashOf(string json) => ConversationHash.Compute(Assert.Single(TestData.ReadJson("conversations.json", json).Conversations()));

    [Fact]
    public void Same_export_gives_the_same_hash_whatever_the_key_order()
    {
        Assert.Equal(HashOf(Export), HashOf(Export));
        Assert.Equal(HashOf(Export), HashOf(Reordered));
        Assert.Matches("^[0-9a-f]{64}$", HashOf(Export));
    }

    [Theory]
    [InlineData("\"yo\"", "\"yo!\"")]
    [InlineData("\"title\":\"T\"", "\"title\":\"U\"")]
    [InlineData("1700000000,", "1700000001,")]
    [InlineData("\"current_node\":\"b\"", "\"current_node\":\"a\"")]
    [InlineData("\"role\":\"user\"", "\"role\":\"system\"")]
    [InlineData("\"model_slug\":\"m\"", "\"model_slug\":\"n\"")]
    public void Any_content_change_changes_the_hash(string from, string to)
    {
        Assert.Contains(from, Export);
        Assert.NotEqual(HashOf(Export), HashOf(Export.Replace(from, to, StringComparison.Ordinal)));
    }

    [Fact]
    public void Block_fields_are_part_of_the_hash()
    {
        var conversation = Assert.Single(TestData.ReadJson("conversations.json", Export).Conversations());
        var message = conversation.Messages[0];
        var changed = conversation with
        {
            Messages = [message with { Blocks = [message.Blocks[0] with { Language = "x" }] }, conversation.Messages[1]],
        };

        Assert.NotEqual(ConversationHash.Compute(conversation), ConversationHash.Compute(changed));
    }
}
