using ConvoCanvas.Abstractions;
using ConvoCanvas.Ingest.Model;
using Orleans.Streams;

namespace ConvoCanvas.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class ConversationGrainTests(ClusterFixture fixture)
{
    [Fact]
    public async Task New_conversation_is_created_and_reads_back_whole()
    {
        var conversation = Conversations.Linear($"new-{Guid.NewGuid():N}", turns: 3);
        var grain = fixture.Client.GetGrain<IConversationGrain>(conversation.Id);

        Assert.Equal(UpsertOutcome.Created, await grain.UpsertAsync(conversation));

        var stored = await grain.GetAsync();
        Assert.NotNull(stored);
        Assert.Equal(conversation.Title, stored.Title);
        Assert.Equal(6, stored.Messages.Count);
        Assert.Equal(conversation.ActivePath, stored.ActivePath);
        Assert.Equal(conversation.Messages[3].Text, stored.Messages[3].Text);
    }

    [Fact]
    public async Task Same_conversation_twice_is_unchanged()
    {
        var conversation = Conversations.Linear($"twice-{Guid.NewGuid():N}");
        var grain = fixture.Client.GetGrain<IConversationGrain>(conversation.Id);

        await grain.UpsertAsync(conversation);
        var again = conversation with { Messages = conversation.Messages.ToList() };

        Assert.Equal(UpsertOutcome.Unchanged, await grain.UpsertAsync(again));
    }

    [Fact]
    public async Task Changed_conversation_updates_in_place()
    {
        var conversation = Conversations.Linear($"changed-{Guid.NewGuid():N}");
        var grain = fixture.Client.GetGrain<IConversationGrain>(conversation.Id);
        await grain.UpsertAsync(conversation);

        var longer = Conversations.Linear(conversation.ExternalId, turns: 4);
        Assert.Equal(UpsertOutcome.Updated, await grain.UpsertAsync(longer));

        var summary = await grain.GetSummaryAsync();
        Assert.NotNull(summary);
        Assert.Equal(8, summary.MessageCount);
        var page = await fixture.Client.GetGrain<IConversationCatalogGrain>(0).ListAsync(new ConversationQuery { Text = conversation.Title, Limit = 1000 });
        Assert.Single(page.Items, row => row.Id == conversation.Id);
        Assert.Equal(8, page.Items.Single(row => row.Id == conversation.Id).MessageCount);
    }

    [Fact]
    public async Task Conversation_sent_to_the_wrong_grain_is_refused()
    {
        var conversation = Conversations.Linear($"wrong-{Guid.NewGuid():N}");
        var grain = fixture.Client.GetGrain<IConversationGrain>("chatgpt:someone-else");

        await Assert.ThrowsAsync<ArgumentException>(() => grain.UpsertAsync(conversation));
    }

    [Fact]
    public async Task Created_and_updated_conversations_are_published_on_the_change_stream()
    {
        var conversation = Conversations.Linear($"stream-{Guid.NewGuid():N}");
        var received = new List<ConversationChanged>();
        var twoEvents = new TaskCompletionSource();
        var stream = fixture.Client.GetStreamProvider(ProviderNames.Streams)
            .GetStream<ConversationChanged>(StreamId.Create(StreamNamespaces.Conversations, StreamNamespaces.PartitionOf(conversation.Id)));
        var handle = await stream.SubscribeAsync((change, _) =>
        {
            if (change.ConversationId == conversation.Id)
            {
                lock (received)
                {
                    received.Add(change);
                    if (received.Count == 2)
                    {
                        twoEvents.TrySetResult();
                    }
                }
            }
            return Task.CompletedTask;
        });

        var grain = fixture.Client.GetGrain<IConversationGrain>(conversation.Id);
        await grain.UpsertAsync(conversation);
        await grain.UpsertAsync(conversation); // unchanged: no event
        await grain.UpsertAsync(Conversations.Linear(conversation.ExternalId, turns: 5));

        await twoEvents.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await handle.UnsubscribeAsync();
        Assert.Equal([ChangeKind.Created, ChangeKind.Updated], received.Select(r => r.Kind));
        Assert.NotEqual(received[0].ContentHash, received[1].ContentHash);
    }
}
