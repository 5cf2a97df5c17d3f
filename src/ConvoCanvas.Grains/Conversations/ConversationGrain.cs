using ConvoCanvas.Abstractions;
using ConvoCanvas.Grains.Catalog;
using ConvoCanvas.Ingest.Model;
using Microsoft.Extensions.Logging;
using Orleans.Streams;

namespace ConvoCanvas.Grains.Conversations;

public sealed class ConversationGrain(
    [PersistentState("conversation", ProviderNames.Storage)] IPersistentState<ConversationState> state,
    IConversationCatalog catalog,
    ConversationAnalyzer analyzer,
    TimeProvider time,
    ILogger<ConversationGrain> logger) : Grain, IConversationGrain
{
    public async Task<UpsertOutcome> UpsertAsync(Conversation conversation)
    {
        var key = this.GetPrimaryKeyString();
        if (!string.Equals(conversation.Id, key, StringComparison.Ordinal))
        {
            throw new ArgumentException($"conversation '{conversation.Id}' sent to grain '{key}'", nameof(conversation));
        }

        // Upserts come in bulk from imports; nobody is reading these conversations right now, so each
        // activation leaves once the call is done instead of 10,000 of them holding the silo's memory.
        this.DeactivateOnIdle();

        var hash = analyzer.Hash(conversation);
        if (state.State.ContentHash == hash)
        {
            return UpsertOutcome.Unchanged;
        }

        var outcome = state.State.Conversation is null ? UpsertOutcome.Created : UpsertOutcome.Updated;
        var now = time.GetUtcNow();
        var summary = analyzer.Summarise(conversation, hash, now);

        // The catalogue row goes first: if the silo dies before the state write, a re-import sees
        // the old hash and writes both again, so the two never stay apart.
        await catalog.UpsertAsync(summary);
        state.State.Conversation = conversation;
        state.State.ContentHash = hash;
        state.State.Summary = summary;
        state.State.FirstImportedAt ??= now;
        state.State.Revision++;
        await state.WriteStateAsync();

        ConversationLog.Stored(logger, key, outcome, conversation.Messages.Count);
        await PublishAsync(new ConversationChanged(key, hash, outcome == UpsertOutcome.Created ? ChangeKind.Created : ChangeKind.Updated, now));
        return outcome;
    }

    public Task<Conversation?> GetAsync() => Task.FromResult(state.State.Conversation);

    public Task<ConversationSummary?> GetSummaryAsync() => Task.FromResult(state.State.Summary);

    public Task<TokenReport?> GetTokenReportAsync() =>
        Task.FromResult(state.State.Conversation is { } conversation ? analyzer.TokenReport(conversation) : null);

    public Task<string?> GetBriefAsync(int windowTokens)
    {
        if (windowTokens < 256)
        {
            throw new ArgumentOutOfRangeException(nameof(windowTokens), windowTokens, "a brief needs a window of at least 256 tokens");
        }
        return Task.FromResult(state.State.Conversation is { } conversation ? analyzer.Brief(conversation, windowTokens) : null);
    }

    public async Task AcknowledgeIndexAsync(IndexAck ack)
    {
        // Acknowledgements arrive in bulk after imports, like the upserts: do not stay resident.
        this.DeactivateOnIdle();
        if (ack.ContentHash != state.State.ContentHash || (state.State.Index is { } old && old with { At = ack.At } == ack))
        {
            return;
        }
        state.State.Index = ack;
        await state.WriteStateAsync();
    }

    public Task<IndexAck?> GetIndexAsync() => Task.FromResult(state.State.Index);

    private Task PublishAsync(ConversationChanged change)
    {
        var stream = this.GetStreamProvider(ProviderNames.Streams)
            .GetStream<ConversationChanged>(StreamId.Create(StreamNamespaces.Conversations, StreamNamespaces.PartitionOf(change.ConversationId)));
        return stream.OnNextAsync(change);
    }
}

internal static partial class ConversationLog
{
    [LoggerMessage(1, LogLevel.Debug, "Conversation {Id} stored ({Outcome}, {Messages} messages)")]
    public static partial void Stored(ILogger logger, string id, UpsertOutcome outcome, int messages);
}
