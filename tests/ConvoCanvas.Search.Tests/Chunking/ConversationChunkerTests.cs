using ConvoCanvas.Ingest.Import;
using ConvoCanvas.Ingest.Model;
using ConvoCanvas.Search.Chunking;
using ConvoCanvas.Search.Embeddings;
using ConvoCanvas.Search.Tests.Embeddings;
using ConvoCanvas.Testing;
using Xunit.Abstractions;

namespace ConvoCanvas.Search.Tests.Chunking;

[Collection(MiniLmCollection.Name)]
public sealed class ConversationChunkerTests(MiniLmFixture fixture, ITestOutputHelper output)
{
    private readonly MiniLmEmbedder embedder = fixture.Embedder;
    private static readonly DateTimeOffset Start = new(2025, 5, 1, 9, 0, 0, TimeSpan.Zero);

    private static Message M(string id, string? parent, string role, string text, int minute, string? model = null) =>
        new() { Id = id, ParentId = parent, Role = role, Text = text, CreatedAt = Start.AddMinutes(minute), Model = model };

    /// <summary>
    /// system → u1 → a1 → u2 → (a2 old answer | a2b regenerated, chosen) → tool → a3 (empty text: a tool call alone).
    /// </summary>
    private static Conversation Branched() => new()
    {
        Source = ConversationSources.ChatGpt,
        ExternalId = "c1",
        Title = "Fixing DNS",
        Messages =
        [
            M("s", null, MessageRoles.System, "You are a helpful assistant.", 0),
            M("u1", "s", MessageRoles.User, "Why does my laptop fail to resolve internal host names when the VPN is connected? " + Notes.Prose(20), 1),
            M("a1", "u1", MessageRoles.Assistant, "The VPN pushes its own DNS servers; check the resolver order. " + Notes.Prose(30, 1), 2, "gpt-4o"),
            M("u2", "a1", MessageRoles.User, "How do I change the resolver order on Linux with systemd-resolved? " + Notes.Prose(20, 2), 3),
            M("a2", "u2", MessageRoles.Assistant, "OLD ANSWER that the user regenerated.", 4, "gpt-4o"),
            M("a2b", "u2", MessageRoles.Assistant, "Use resolvectl domain to route the internal domain to the VPN link. " + Notes.Prose(30, 3), 5, "gpt-4o"),
            M("t", "a2b", MessageRoles.Tool, "TOOL OUTPUT noise", 6),
            M("a3", "t", MessageRoles.Assistant, "  ", 7, "o3"),
        ],
        ActivePath = ["s", "u1", "a1", "u2", "a2b", "t", "a3"],
    };

    [Fact]
    public void Each_turn_of_the_chosen_branch_is_a_chunk_with_roles_and_the_first_message_id()
    {
        var (source, chunks) = new ConversationChunker(embedder).Chunk(Branched());

        Assert.Equal(["u1", "u2"], chunks.Select(c => c.Anchor));
        Assert.StartsWith("Fixing DNS\n\nuser: Why does my laptop", chunks[0].Text);
        Assert.Contains("\n\nassistant: The VPN pushes", chunks[0].Text);
        Assert.Contains("assistant: Use resolvectl", chunks[1].Text);
        Assert.All(chunks, c => Assert.DoesNotContain("OLD ANSWER", c.Text));
        Assert.All(chunks, c => Assert.DoesNotContain("TOOL OUTPUT", c.Text));
        Assert.All(chunks, c => Assert.DoesNotContain("helpful assistant", c.Text));
        Assert.All(chunks, c => Assert.Equal("chatgpt:c1", c.SourceId));
        Assert.All(chunks, c => Assert.Null(c.Heading));

        Assert.Equal(SourceKind.Conversation, source.Kind);
        Assert.Equal("chatgpt", source.Source);
        Assert.Equal("gpt-4o", source.Model);
        Assert.Equal(Start, source.CreatedAt);
        // Without the conversation's own dates, the branch's first and last message times.
        Assert.Equal(Start.AddMinutes(7), source.UpdatedAt);
    }

    [Fact]
    public void A_long_answer_is_chunked_message_by_message_within_the_limit()
    {
        var answer = "Here is the plan.\n\n" + string.Join("\n\n", Enumerable.Range(0, 12).Select(i => Notes.Prose(60, i)))
            + "\n\n```bash\nresolvectl status\nresolvectl domain tun0 '~corp.example'\n```\n\n" + Notes.Prose(700, 5);
        var conversation = new Conversation
        {
            Source = ConversationSources.ClaudeAi,
            ExternalId = "long",
            Title = "Plan",
            Messages = [M("q", null, MessageRoles.User, "Write the plan.", 0), M("r", "q", MessageRoles.Assistant, answer, 1)],
            ActivePath = ["q", "r"],
        };

        var chunks = new ConversationChunker(embedder).Chunk(conversation).Chunks;

        Assert.True(chunks.Count > 5);
        Assert.All(chunks, c => Assert.True(c.Tokens <= 256 && embedder.CountTokens(c.Text) <= 256));
        Assert.Equal("Plan\n\nuser: Write the plan.", chunks[0].Text);
        Assert.Equal("q", chunks[0].Anchor);
        Assert.All(chunks.Skip(1), c => Assert.StartsWith("Plan\n\nassistant: ", c.Text));
        Assert.All(chunks.Skip(1), c => Assert.Equal("r", c.Anchor));
        Assert.Single(chunks, c => c.Text.Contains("```bash\nresolvectl status\nresolvectl domain tun0 '~corp.example'\n```", StringComparison.Ordinal));
    }

    [Fact]
    public void Short_turns_join_the_chunk_before()
    {
        var conversation = Branched() with
        {
            Messages = [.. Branched().Messages, M("u3", "a3", MessageRoles.User, "thanks!", 8), M("a4", "u3", MessageRoles.Assistant, "You're welcome.", 9)],
            ActivePath = [.. Branched().ActivePath, "u3", "a4"],
        };

        var chunks = new ConversationChunker(embedder).Chunk(conversation).Chunks;

        Assert.Equal(2, chunks.Count);
        Assert.EndsWith("user: thanks!\n\nassistant: You're welcome.", chunks[1].Text);
    }

    [Fact]
    public void Without_an_active_path_the_messages_are_read_as_listed()
    {
        var conversation = Branched() with { ActivePath = [], Messages = Branched().Messages.Where(m => m.Id != "a2").ToList() };

        var chunks = new ConversationChunker(embedder).Chunk(conversation).Chunks;

        Assert.Equal(["u1", "u2"], chunks.Select(c => c.Anchor));
        Assert.Contains("assistant: Use resolvectl", chunks[1].Text);
    }

    [Fact]
    public void A_conversation_without_text_gives_no_chunks()
    {
        var empty = new Conversation { Source = "chatgpt", ExternalId = "e", Messages = [M("s", null, MessageRoles.System, "system prompt", 0)], ActivePath = ["s"] };

        var (source, chunks) = new ConversationChunker(embedder).Chunk(empty);

        Assert.Empty(chunks);
        Assert.Equal("Untitled conversation", source.Title);
    }

    [Fact]
    public void Every_chunk_of_the_shared_conversation_exports_fits_the_limit()
    {
        if (RepositoryPaths.SharedData is not { } data || !Directory.Exists(Path.Combine(data, "conversations")))
        {
            output.WriteLine("Skipped: no shared/data/conversations folder.");
            return;
        }

        var chunker = new ConversationChunker(embedder);
        int conversations = 0, chunks = 0;
        foreach (var item in new ExportReader().Read([Path.Combine(data, "conversations")]))
        {
            if (item.Conversation is not { } conversation) continue;
            conversations++;
            var result = chunker.Chunk(conversation);
            var ids = conversation.Messages.Select(m => m.Id).ToHashSet();
            foreach (var chunk in result.Chunks)
            {
                chunks++;
                Assert.True(embedder.CountTokens(chunk.Text) <= 256, $"{conversation.Id} chunk {chunk.Ordinal}");
                Assert.Contains(chunk.Anchor!, ids);
            }
        }

        output.WriteLine($"{conversations} conversations, {chunks} chunks");
        Assert.True(conversations > 10);
    }
}
