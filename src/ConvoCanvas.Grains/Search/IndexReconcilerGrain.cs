using ConvoCanvas.Abstractions;
using ConvoCanvas.Grains.Catalog;
using ConvoCanvas.Search.Index;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace ConvoCanvas.Grains.Search;

public sealed class ReconcileOptions
{
    /// <summary>How often the whole index is compared with the grains (also once at silo start).</summary>
    public TimeSpan Period { get; set; } = TimeSpan.FromMinutes(10);
}

/// <summary>
/// The guarantee behind the streams: compares every conversation's and stored note's content hash
/// with the hash the index reflects, sends what differs (new, changed, failed, interrupted, or
/// indexed by another embedder) to the indexer partitions, and removes what no grain holds any more.
/// Runs at silo start and on a reminder; one pass at a time.
/// </summary>
[Reentrant]
public sealed partial class IndexReconcilerGrain(
    IServiceProvider services,
    IConversationCatalog catalog,
    IOptions<ReconcileOptions> options,
    TimeProvider time,
    ILogger<IndexReconcilerGrain> logger) : Grain, IIndexReconcilerGrain, IRemindable
{
    private const string ReminderName = "reconcile";
    private readonly KeywordIndex? _keywords = services.GetService<KeywordIndex>();
    private readonly SearchIndexer? _indexer = services.GetService<SearchIndexer>();
    private readonly VectorSpaces? _spaces = services.GetService<VectorSpaces>();
    private Task<ReconcileReport>? _running;
    private ReconcileReport? _last;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (_keywords is not null)
        {
            await this.RegisterOrUpdateReminder(ReminderName, options.Value.Period, options.Value.Period);
        }
    }

    public Task<ReconcileReport> ReconcileAsync()
    {
        if (_keywords is null || _indexer is null)
        {
            throw new InvalidOperationException("search is not configured on this silo (ConvoCanvas:Search)");
        }
        return _running ??= RunAsync();
    }

    public Task<ReconcileReport?> GetLastAsync() => Task.FromResult(_last);

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == ReminderName && _keywords is not null)
        {
            await ReconcileAsync();
        }
    }

    private async Task<ReconcileReport> RunAsync()
    {
        try
        {
            var expected = new Dictionary<string, string>(StringComparer.Ordinal);
            await foreach (var (id, hash) in catalog.ListHashesAsync())
            {
                expected[SourceIds.Conversation(id)] = hash;
            }
            foreach (var vault in await GrainFactory.GetGrain<IVaultRegistryGrain>(0).ListAsync())
            {
                var status = await GrainFactory.GetGrain<IVaultGrain>(vault).GetStatusAsync();
                foreach (var file in status.Files.Where(f => f.Status == DocumentStatus.Stored && f.ContentHash is not null))
                {
                    expected[SourceIds.Note(vault, file.Path)] = file.ContentHash!;
                }
            }

            var work = new List<IndexWork>();
            var upToDate = 0;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            await foreach (var state in _keywords!.ListStatesAsync())
            {
                seen.Add(state.SourceId);
                if (!expected.TryGetValue(state.SourceId, out var hash))
                {
                    work.Add(new IndexWork(state.SourceId, Remove: true));
                }
                else if (state.ContentHash == hash && state.Embedder == _indexer!.EmbedderId && state.PendingChunks is null
                         && state.Status is IndexStatuses.Indexed or IndexStatuses.Skipped)
                {
                    upToDate++;
                }
                else
                {
                    work.Add(new IndexWork(state.SourceId, Remove: false));
                }
            }
            work.AddRange(expected.Keys.Where(id => !seen.Contains(id)).Select(id => new IndexWork(id, Remove: false)));

            foreach (var partition in work.GroupBy(w => SearchKeys.IndexerOf(SourceIds.GrainKey(w.SourceId))))
            {
                await GrainFactory.GetGrain<ISearchIndexerGrain>(partition.Key).EnqueueAsync(partition.ToList());
            }
            if (work.Count == 0 && _spaces is not null)
            {
                // Nothing left to re-embed: a switch of embedders under way is complete.
                await _spaces.TryCompleteAsync();
            }
            var removed = work.Count(w => w.Remove);
            _last = new ReconcileReport(expected.Count, upToDate, work.Count - removed, removed, time.GetUtcNow());
            ReconcileLog.Done(logger, expected.Count, upToDate, work.Count - removed, removed);
            return _last;
        }
        finally
        {
            _running = null;
        }
    }

    private static partial class ReconcileLog
    {
        [LoggerMessage(1, LogLevel.Information, "Search reconciliation: {Expected} sources, {UpToDate} up to date, {Reindex} sent to be indexed, {Removed} to be removed")]
        public static partial void Done(ILogger logger, int expected, int upToDate, int reindex, int removed);
    }
}
