using ConvoCanvas.Abstractions;
using ConvoCanvas.Ingest.Model;
using ConvoCanvas.Ingest.Vault;
using ConvoCanvas.Search.Chunking;
using ConvoCanvas.Search.Index;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Streams;

namespace ConvoCanvas.Grains.Search;

public sealed class SearchIndexerOptions
{
    /// <summary>How long a change waits for others to share its batch.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Sources per batch: enough to fill the embedder's batches, few enough to stay responsive.</summary>
    public int BatchSources { get; set; } = 64;

    /// <summary>After a failed batch (ChromaDB down), wait this long, doubling up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// One partition of the index writer. It receives the conversation and document change events of
/// its partition (an implicit subscription to both streams, keyed by the partition number) and
/// work from reconciliation; it keeps only the newest request per source, flushes in batches off
/// the grain's scheduler, retries failed batches with back-off, and acknowledges each source's
/// index status back to its grain. Pending work lives in memory: after a crash the reconciliation
/// at start finds what was not indexed.
/// </summary>
[ImplicitStreamSubscription(StreamNamespaces.Conversations)]
[ImplicitStreamSubscription(StreamNamespaces.Documents)]
[Reentrant]
public sealed partial class SearchIndexerGrain(
    IServiceProvider services,
    IOptions<SearchIndexerOptions> options,
    TimeProvider time,
    ILogger<SearchIndexerGrain> logger) : Grain, ISearchIndexerGrain
{
    private readonly Dictionary<string, IndexWork> _pending = new(StringComparer.Ordinal);
    private readonly SearchIndexer? _indexer = services.GetService<SearchIndexer>();
    private readonly SourceChunker? _chunker = services.GetService<SourceChunker>();
    private Task? _flushing;
    private IGrainTimer? _timer;
    private DateTimeOffset _retryAt;
    private TimeSpan _retryDelay;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var partition = this.GetPrimaryKeyLong();
        var provider = this.GetStreamProvider(ProviderNames.Streams);
        await provider.GetStream<ConversationChanged>(StreamId.Create(StreamNamespaces.Conversations, partition))
            .SubscribeAsync((change, _) => EnqueueOne(new IndexWork(SourceIds.Conversation(change.ConversationId), change.Kind == ChangeKind.Deleted)));
        await provider.GetStream<DocumentChanged>(StreamId.Create(StreamNamespaces.Documents, partition))
            .SubscribeAsync((change, _) => EnqueueOne(new IndexWork(SourceIds.Note(change.Vault, change.Path), change.Kind == ChangeKind.Deleted)));
        if (_indexer is null)
        {
            IndexerLog.Disabled(logger, partition);
            return;
        }
        var every = options.Value.FlushInterval;
        _timer = this.RegisterGrainTimer(() => { StartFlush(); return Task.CompletedTask; }, every, every);
    }

    public Task EnqueueAsync(IReadOnlyList<IndexWork> work)
    {
        foreach (var item in work)
        {
            EnqueueOne(item);
        }
        return Task.CompletedTask;
    }

    public Task<int> GetPendingAsync() => Task.FromResult(_pending.Count + (_flushing is null ? 0 : 1));

    private Task EnqueueOne(IndexWork work)
    {
        if (_indexer is null)
        {
            return Task.CompletedTask;
        }
        _pending[work.SourceId] = work;
        if (_pending.Count >= options.Value.BatchSources)
        {
            StartFlush();
        }
        return Task.CompletedTask;
    }

    private void StartFlush()
    {
        if (_flushing is null && _pending.Count > 0 && time.GetUtcNow() >= _retryAt)
        {
            _flushing = FlushAsync();
        }
    }

    private async Task FlushAsync()
    {
        try
        {
            while (_pending.Count > 0 && time.GetUtcNow() >= _retryAt)
            {
                var batch = _pending.Values.Take(options.Value.BatchSources).ToList();
                foreach (var work in batch)
                {
                    _pending.Remove(work.SourceId);
                }
                List<IndexWork> failed;
                try
                {
                    failed = await ProcessAsync(batch);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // A source grain could not be read (storage busy, a silo going away): keep the work.
                    IndexerLog.BatchFailed(logger, e, batch.Count);
                    failed = batch;
                }
                if (failed.Count > 0)
                {
                    foreach (var work in failed)
                    {
                        _pending.TryAdd(work.SourceId, work);
                    }
                    _retryDelay = _retryDelay == TimeSpan.Zero ? options.Value.RetryDelay : TimeSpan.FromTicks(Math.Min(_retryDelay.Ticks * 2, options.Value.MaxRetryDelay.Ticks));
                    _retryAt = time.GetUtcNow() + _retryDelay;
                    IndexerLog.Retrying(logger, failed.Count, _retryDelay.TotalSeconds);
                }
                else
                {
                    _retryDelay = TimeSpan.Zero;
                }
            }
        }
        finally
        {
            _flushing = null;
        }
    }

    /// <summary>Indexes one batch; returns the work to retry.</summary>
    private async Task<List<IndexWork>> ProcessAsync(List<IndexWork> batch)
    {
        var indexer = _indexer!;
        var chunker = _chunker!;
        // Grain calls start here, on the activation's scheduler; chunking, embedding and writing run off it.
        var loaded = await Task.WhenAll(batch.Where(w => !w.Remove).Select(LoadAsync));
        var removals = batch.Where(w => w.Remove).Select(w => w.SourceId)
            .Concat(loaded.Where(l => l.Content is null).Select(l => l.Work.SourceId)).ToList();
        var present = loaded.Where(l => l.Content is not null).ToList();

        IndexBatchResult? result;
        var unchunkable = new List<(SearchSource Source, string Hash, string Reason)>();
        try
        {
            result = await Task.Run(async () =>
            {
                var items = new List<IndexItem>();
                foreach (var l in present)
                {
                    try
                    {
                        items.Add(new IndexItem(l.Content switch
                        {
                            NoteContent n => chunker.Note(n.Vault, n.Note),
                            ConversationContent c => chunker.Conversation(c.Conversation),
                            _ => throw new InvalidOperationException(),
                        }, l.Hash!));
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        unchunkable.Add((Describe(l), l.Hash!, $"could not be chunked: {e.Message}"));
                    }
                }
                await indexer.RemoveAsync(removals);
                return await indexer.IndexAsync(items);
            });
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            IndexerLog.BatchFailed(logger, e, batch.Count);
            return batch;
        }

        var now = time.GetUtcNow();
        var hashes = present.ToDictionary(l => l.Work.SourceId, l => l.Hash!, StringComparer.Ordinal);
        var acks = new List<Task>();
        var retry = new List<IndexWork>();
        foreach (var source in result.Sources)
        {
            var status = source.Outcome switch
            {
                IndexOutcome.Failed => IndexStatuses.Failed,
                _ when source.Chunks == 0 => IndexStatuses.Skipped,
                _ => IndexStatuses.Indexed,
            };
            if (source.Outcome == IndexOutcome.Failed)
            {
                retry.Add(new IndexWork(source.SourceId, false));
            }
            acks.Add(AcknowledgeAsync(source.SourceId, new IndexAck(hashes[source.SourceId], status, source.Chunks, source.Reason, now)));
        }
        if (unchunkable.Count > 0)
        {
            await Task.Run(() => indexer.MarkFailedAsync(unchunkable.Select(u => (u.Source, u.Reason)).ToList()));
            acks.AddRange(unchunkable.Select(u => AcknowledgeAsync(u.Source.SourceId, new IndexAck(u.Hash, IndexStatuses.Failed, 0, u.Reason, now))));
        }
        try
        {
            await Task.WhenAll(acks);
        }
        catch (Exception e)
        {
            // The index is right; only the grains' copy of its status is behind. Reconciliation does not depend on it.
            IndexerLog.AckFailed(logger, e);
        }
        return retry;
    }

    private async Task<Loaded> LoadAsync(IndexWork work)
    {
        var key = SourceIds.GrainKey(work.SourceId);
        if (SourceIds.IsNote(work.SourceId))
        {
            var note = await GrainFactory.GetGrain<IVaultDocumentGrain>(key).GetAsync();
            return note is null ? new Loaded(work, null, null) : new Loaded(work, new NoteContent(key.Split('/', 2)[0], note), note.ContentHash);
        }
        var grain = GrainFactory.GetGrain<IConversationGrain>(key);
        var conversation = await grain.GetAsync();
        if (conversation is null)
        {
            return new Loaded(work, null, null);
        }
        var summary = await grain.GetSummaryAsync();
        return new Loaded(work, new ConversationContent(conversation), summary!.ContentHash);
    }

    private Task AcknowledgeAsync(string sourceId, IndexAck ack)
    {
        var key = SourceIds.GrainKey(sourceId);
        return SourceIds.IsNote(sourceId)
            ? GrainFactory.GetGrain<IVaultDocumentGrain>(key).AcknowledgeIndexAsync(ack)
            : GrainFactory.GetGrain<IConversationGrain>(key).AcknowledgeIndexAsync(ack);
    }

    private static SearchSource Describe(Loaded loaded) => loaded.Content switch
    {
        NoteContent n => new SearchSource(SourceKind.Note, loaded.Work.SourceId, n.Note.Title, n.Vault, n.Vault, n.Note.Path, n.Note.Tags, null, null, null),
        ConversationContent c => new SearchSource(SourceKind.Conversation, loaded.Work.SourceId, c.Conversation.Title, c.Conversation.Source, null, null, [], c.Conversation.CreatedAt, c.Conversation.UpdatedAt, null),
        _ => throw new InvalidOperationException(),
    };

    private abstract record Content;
    private sealed record NoteContent(string Vault, VaultNote Note) : Content;
    private sealed record ConversationContent(Conversation Conversation) : Content;
    private sealed record Loaded(IndexWork Work, Content? Content, string? Hash);

    private static partial class IndexerLog
    {
        [LoggerMessage(1, LogLevel.Information, "Search indexer {Partition}: search is not configured; change events are ignored")]
        public static partial void Disabled(ILogger logger, long partition);

        [LoggerMessage(2, LogLevel.Warning, "Search indexer: {Count} sources could not be indexed; retrying in {Seconds:F0} s")]
        public static partial void Retrying(ILogger logger, int count, double seconds);

        [LoggerMessage(3, LogLevel.Warning, "Search indexer: a batch of {Count} sources failed")]
        public static partial void BatchFailed(ILogger logger, Exception exception, int count);

        [LoggerMessage(4, LogLevel.Warning, "Search indexer: acknowledging index status to source grains failed")]
        public static partial void AckFailed(ILogger logger, Exception exception);
    }
}
