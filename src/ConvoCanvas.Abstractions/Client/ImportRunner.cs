using ConvoCanvas.Ingest.Import;
using ConvoCanvas.Ingest.Model;

namespace ConvoCanvas.Abstractions.Client;

/// <summary>
/// Client side of an import, shared by the CLI and the web front end: it reads parsed items,
/// groups them into batches bounded by count and size, and hands each batch to an
/// <see cref="IImportJobGrain"/> while the next batch is being parsed.
/// </summary>
public sealed class ImportRunner(IGrainFactory grains)
{
    public int MaxBatchCount { get; init; } = 256;

    /// <summary>Keeps one grain message well under Orleans' size limit even with long conversations.</summary>
    public long MaxBatchBytes { get; init; } = 8 * 1024 * 1024;

    public async Task<ImportSummary> RunAsync(
        ImportSource source,
        IProgress<ImportSummary>? progress = null,
        CancellationToken cancellationToken = default)
    {
        var jobId = $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..8]}";
        var job = grains.GetGrain<IImportJobGrain>(jobId);
        await job.StartAsync(source.Description, source.BytesTotal());

        var conversations = new List<Conversation>();
        var errors = new List<ImportError>();
        long batchBytes = 0;
        Task<ImportSummary>? inFlight = null;

        async Task FlushAsync()
        {
            if (inFlight is not null)
            {
                // Awaited on its own line: `progress?.Report(await …)` would skip the await when progress is null.
                var previous = await inFlight;
                progress?.Report(previous);
            }
            inFlight = job.AddBatchAsync(conversations.ToList(), errors.ToList(), new ImportProgress(source.BytesDone(), source.BytesTotal()));
            conversations.Clear();
            errors.Clear();
            batchBytes = 0;
        }

        // One export can hold the same conversation twice (split files, copied fixtures); the first copy
        // wins, so importing the same export again finds everything unchanged instead of flip-flopping.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in source.Items)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (item.Conversation is { } duplicate && !seen.Add(duplicate.Id))
            {
                errors.Add(new ImportError(source.Description, $"conversation {duplicate.Id} ('{duplicate.Title}')",
                    "appears more than once in this import; the first copy was kept"));
            }
            else if (item.Conversation is { } conversation)
            {
                var size = EstimateBytes(conversation);
                if (conversations.Count > 0 && (conversations.Count >= MaxBatchCount || batchBytes + size > MaxBatchBytes))
                {
                    await FlushAsync();
                }
                conversations.Add(conversation);
                batchBytes += size;
            }
            else if (item.Error is { } error)
            {
                errors.Add(error);
            }
        }
        await FlushAsync();
        var last = await inFlight!;
        progress?.Report(last);

        var summary = await job.CompleteAsync(source.SkippedFiles());
        progress?.Report(summary);
        return summary;
    }

    private static long EstimateBytes(Conversation conversation)
    {
        long bytes = 512 + conversation.Title.Length * 2;
        foreach (var message in conversation.Messages)
        {
            bytes += 256 + message.Text.Length * 2;
            foreach (var block in message.Blocks)
            {
                bytes += 64 + (block.Text?.Length ?? 0) * 2;
            }
        }
        return bytes;
    }
}

/// <summary>What to import: parsed items, read lazily, and how far the reader has got.</summary>
public sealed record ImportSource(
    string Description,
    IEnumerable<ImportItem> Items,
    Func<long> BytesTotal,
    Func<long> BytesDone,
    Func<int> SkippedFiles)
{
    /// <summary>An import of what an <see cref="ExportReader"/> run reads.</summary>
    public static ImportSource Of(string description, ImportRun run) =>
        new(description, run, () => run.BytesTotal, () => run.BytesRead, () => run.FilesSkipped);
}
